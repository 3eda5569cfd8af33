import { type ManifestSchedule, nextScheduledInstant, type ScheduleStatus } from "@strata/protocol";
import type { Sql } from "../db/sql.js";
import { NotFoundError } from "../errors.js";
import type { ManifestCache } from "../runs/manifest-cache.js";
import { instigatorsWithState } from "./instigator-list.js";

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
  const listed = await instigatorsWithState<
    ManifestSchedule,
    { locationId: string; name: string; status: ScheduleStatus | null; cursor: Date | null }
  >(
    sql,
    manifests,
    location,
    (manifest) => manifest.schedules,
    `SELECT "locationId", name, status, cursor FROM "ScheduleState" WHERE "locationId" = ANY($1::text[])`,
  );
  return listed.map(({ location: l, definition: schedule, state }) => {
    const status = state?.status ?? schedule.defaultStatus;
    const cursor = state?.cursor ?? null;
    return {
      ...schedule,
      location: l.name,
      locationId: l.id,
      status,
      cursor,
      nextTickAt:
        status === "RUNNING"
          ? new Date(nextScheduledInstant(schedule.cron, schedule.timezone, Math.max(cursor?.getTime() ?? now, now)))
          : null,
    };
  });
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
