import { type ManifestSchedule, nextScheduledInstant, type ScheduleStatus } from "@strata/protocol";
import type { Sql } from "../db/sql.js";
import { NotFoundError } from "../errors.js";
import type { ManifestCache } from "../runs/manifest-cache.js";

/** A schedule as its location's current manifest defines it, with its state on the server. */
export interface ScheduleView extends ManifestSchedule {
  location: string;
  locationId: string;
  status: ScheduleStatus;
  /** The last scheduled instant it handled; null before its first tick (or since it was started again). */
  cursor: Date | null;
  /** When it fires next; null while stopped. */
  nextTickAt: Date | null;
}

/** The schedules of every code location, or of one, sorted by location and name. */
export async function listSchedules(
  sql: Sql,
  manifests: ManifestCache,
  location: string | null,
  now = Date.now(),
): Promise<ScheduleView[]> {
  const locations = await sql.query<{ id: string; name: string; versionId: string }>(
    `SELECT id, name, "currentVersionId" AS "versionId" FROM "CodeLocation"
     WHERE "currentVersionId" IS NOT NULL AND ($1::text IS NULL OR name = $1) ORDER BY name`,
    [location],
  );
  const states = await sql.query<{ locationId: string; name: string; status: ScheduleStatus | null; cursor: Date | null }>(
    `SELECT "locationId", name, status, cursor FROM "ScheduleState" WHERE "locationId" = ANY($1::text[])`,
    [locations.map((l) => l.id)],
  );
  const stateOf = new Map(states.map((s) => [`${s.locationId}\u0000${s.name}`, s]));
  const out: ScheduleView[] = [];
  for (const l of locations) {
    const manifest = await manifests.get(sql, l.versionId);
    for (const schedule of [...(manifest.schedules ?? [])].sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const state = stateOf.get(`${l.id}\u0000${schedule.name}`);
      const status = state?.status ?? schedule.defaultStatus;
      const cursor = state?.cursor ?? null;
      out.push({
        ...schedule,
        location: l.name,
        locationId: l.id,
        status,
        cursor,
        nextTickAt:
          status === "RUNNING"
            ? new Date(nextScheduledInstant(schedule.cron, schedule.timezone, Math.max(cursor?.getTime() ?? now, now)))
            : null,
      });
    }
  }
  return out;
}

/**
 * Starts or stops a schedule (Dagster's start_schedule / stop_schedule). Starting one that was
 * not running clears its cursor: the next tick starts it from its own time, so the instants it
 * missed while stopped are not launched.
 */
export async function setScheduleStatus(
  sql: Sql,
  manifests: ManifestCache,
  location: string,
  name: string,
  status: ScheduleStatus,
): Promise<ScheduleView> {
  const current = (await listSchedules(sql, manifests, location)).find((s) => s.name === name);
  if (!current) throw new NotFoundError("schedule", `${location}/${name}`);
  if (current.status !== status) {
    await sql.query(
      `INSERT INTO "ScheduleState" ("locationId", name, status, cursor, "updatedAt") VALUES ($1, $2, $3::"ScheduleStatus", NULL, now())
       ON CONFLICT ("locationId", name) DO UPDATE SET status = EXCLUDED.status,
         cursor = CASE WHEN EXCLUDED.status = 'RUNNING' THEN NULL ELSE "ScheduleState".cursor END, "updatedAt" = now()`,
      [current.locationId, name, status],
    );
  }
  return (await listSchedules(sql, manifests, location)).find((s) => s.name === name)!;
}
