import { type ManifestSensor, MAX_SENSOR_CURSOR_LENGTH, type ScheduleStatus } from "@strata/protocol";
import type { Sql } from "../db/sql.js";
import { InvalidArgumentError, NotFoundError } from "../errors.js";
import type { ManifestCache } from "../runs/manifest-cache.js";
import { instigatorsWithState } from "./instigator-list.js";

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
  const listed = await instigatorsWithState<
    ManifestSensor,
    {
      locationId: string;
      name: string;
      status: ScheduleStatus | null;
      cursor: string | null;
      lastTickAt: Date | null;
      nextTickAt: Date | null;
    }
  >(
    sql,
    manifests,
    location,
    (manifest) => manifest.sensors,
    `SELECT "locationId", name, status, cursor, "lastTickAt", "nextTickAt" FROM "SensorState" WHERE "locationId" = ANY($1::text[])`,
  );
  return listed.map(({ location: l, definition: sensor, state }) => {
    const status = state?.status ?? sensor.defaultStatus;
    return {
      ...sensor,
      location: l.name,
      locationId: l.id,
      status,
      cursor: state?.cursor ?? null,
      lastTickAt: state?.lastTickAt ?? null,
      nextTickAt: status === "RUNNING" ? (state?.nextTickAt ?? null) : null,
    };
  });
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
