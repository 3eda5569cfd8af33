import { type ManifestSensor, MAX_SENSOR_CURSOR_LENGTH, type ScheduleStatus } from "@strata/protocol";
import type { Sql } from "../db/sql.js";
import { InvalidArgumentError, NotFoundError } from "../errors.js";
import type { ManifestCache } from "../runs/manifest-cache.js";

/** A sensor as its location's current manifest defines it, with its state on the server. */
export interface SensorView extends ManifestSensor {
  location: string;
  locationId: string;
  status: ScheduleStatus;
  cursor: string | null;
  lastTickAt: Date | null;
  /** Not before this; null while stopped (or before its first tick: the next loop pass). */
  nextTickAt: Date | null;
}

/** The sensors of every code location, or of one, sorted by location and name. */
export async function listSensors(sql: Sql, manifests: ManifestCache, location: string | null): Promise<SensorView[]> {
  const locations = await sql.query<{ id: string; name: string; versionId: string }>(
    `SELECT id, name, "currentVersionId" AS "versionId" FROM "CodeLocation"
     WHERE "currentVersionId" IS NOT NULL AND ($1::text IS NULL OR name = $1) ORDER BY name`,
    [location],
  );
  const states = await sql.query<{
    locationId: string;
    name: string;
    status: ScheduleStatus | null;
    cursor: string | null;
    lastTickAt: Date | null;
    nextTickAt: Date | null;
  }>(`SELECT "locationId", name, status, cursor, "lastTickAt", "nextTickAt" FROM "SensorState" WHERE "locationId" = ANY($1::text[])`, [
    locations.map((l) => l.id),
  ]);
  const stateOf = new Map(states.map((s) => [`${s.locationId}\u0000${s.name}`, s]));
  const out: SensorView[] = [];
  for (const l of locations) {
    const manifest = await manifests.get(sql, l.versionId);
    for (const sensor of [...(manifest.sensors ?? [])].sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const state = stateOf.get(`${l.id}\u0000${sensor.name}`);
      const status = state?.status ?? sensor.defaultStatus;
      out.push({
        ...sensor,
        location: l.name,
        locationId: l.id,
        status,
        cursor: state?.cursor ?? null,
        lastTickAt: state?.lastTickAt ?? null,
        nextTickAt: status === "RUNNING" ? (state?.nextTickAt ?? null) : null,
      });
    }
  }
  return out;
}

async function findSensor(sql: Sql, manifests: ManifestCache, location: string, name: string): Promise<SensorView> {
  const sensor = (await listSensors(sql, manifests, location)).find((s) => s.name === name);
  if (!sensor) throw new NotFoundError("sensor", `${location}/${name}`);
  return sensor;
}

/** Starts (its next tick on the loop's next pass) or stops a sensor. */
export async function setSensorStatus(
  sql: Sql,
  manifests: ManifestCache,
  location: string,
  name: string,
  status: ScheduleStatus,
): Promise<SensorView> {
  const current = await findSensor(sql, manifests, location, name);
  await sql.query(
    `INSERT INTO "SensorState" ("locationId", name, status, "updatedAt") VALUES ($1, $2, $3::"ScheduleStatus", now())
     ON CONFLICT ("locationId", name) DO UPDATE SET status = EXCLUDED.status,
       "nextTickAt" = CASE WHEN EXCLUDED.status = 'RUNNING' THEN NULL ELSE "SensorState"."nextTickAt" END, "updatedAt" = now()`,
    [current.locationId, name, status],
  );
  return findSensor(sql, manifests, location, name);
}

/** Sets a sensor's cursor (null clears it): its next tick gets this as `ctx.cursor` (Dagster's set_sensor_cursor). */
export async function setSensorCursor(
  sql: Sql,
  manifests: ManifestCache,
  location: string,
  name: string,
  cursor: string | null,
): Promise<SensorView> {
  if (cursor !== null && cursor.length > MAX_SENSOR_CURSOR_LENGTH)
    throw new InvalidArgumentError("cursor", `must be at most ${MAX_SENSOR_CURSOR_LENGTH} characters`);
  const current = await findSensor(sql, manifests, location, name);
  await sql.query(
    `INSERT INTO "SensorState" ("locationId", name, cursor, "updatedAt") VALUES ($1, $2, $3, now())
     ON CONFLICT ("locationId", name) DO UPDATE SET cursor = EXCLUDED.cursor, "updatedAt" = now()`,
    [current.locationId, name, cursor],
  );
  return findSensor(sql, manifests, location, name);
}
