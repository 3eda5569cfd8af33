import { type ManifestSensor, type SensorTickResult, sensorTickResultSchema } from "@strata/protocol";
import type { Sql } from "../db/sql.js";
import type { ManifestCache } from "../runs/manifest-cache.js";
import type { AutomationLocation } from "./tick.js";
import { claimWorkerTicks, reportWorkerTick, type TickReportInput, type TickReportOutcome, type WorkerTickKind } from "./worker-tick.js";

/** Every run a sensor launches carries `strata/sensor=<name>`, and `strata/run_key=<key>` when it has one (RUN_KEY_TAG). */
export const SENSOR_TAG = "strata/sensor";
/** Who `Run.createdBy` says launched a sensor's run. */
export const SENSOR_CREATOR = "sensor";

export interface SensorTickOutcome {
  sensor: string;
  /** requested: a tick was handed to the location; pending: one is still being evaluated; idle: not due; stopped. */
  kind: "requested" | "pending" | "idle" | "stopped";
  /** The tick handed out (requested). */
  tickId?: string;
  /** A tick whose evaluation did not come back in time, failed by this pass. */
  timedOut?: { tickId: string; error: string };
}

/**
 * One sensor's turn in the automation loop, in one transaction with its state row locked: a
 * tick whose evaluation is past its deadline fails (naming the timeout), and when the sensor is
 * due (its minimum interval after the previous tick) a new tick is stored as STARTED for the
 * location to evaluate. The caller announces it on the location's run-request channel after the
 * commit; a worker takes it with `claimSensorTicks` and answers with `reportSensorTick`.
 */
export async function tickSensor(sql: Sql, location: AutomationLocation, sensor: ManifestSensor, now: Date): Promise<SensorTickOutcome> {
  return sql.transaction(async (tx) => {
    await tx.query(`INSERT INTO "SensorState" ("locationId", name, "updatedAt") VALUES ($1, $2, now()) ON CONFLICT DO NOTHING`, [
      location.id,
      sensor.name,
    ]);
    const [state] = await tx.query<{ status: "RUNNING" | "STOPPED" | null; nextTickAt: Date | null }>(
      `SELECT status, "nextTickAt" FROM "SensorState" WHERE "locationId" = $1 AND name = $2 FOR UPDATE`,
      [location.id, sensor.name],
    );
    const outcome: SensorTickOutcome = { sensor: sensor.name, kind: "idle" };
    const [pending] = await tx.query<{ id: string; deadlineAt: Date; claimedBy: string | null }>(
      `SELECT id::text, "deadlineAt", "claimedBy" FROM "AutomationTick"
       WHERE "locationId" = $1 AND "sensorName" = $2 AND status = 'STARTED' ORDER BY id DESC LIMIT 1`,
      [location.id, sensor.name],
    );
    if (pending) {
      if (pending.deadlineAt.getTime() > now.getTime()) return { ...outcome, kind: "pending" };
      const error =
        pending.claimedBy === null
          ? `sensor "${sensor.name}" timed out after ${sensor.timeoutMs} ms (timeoutMs): no worker of code location "${location.name}" took its tick`
          : `sensor "${sensor.name}" timed out after ${sensor.timeoutMs} ms (timeoutMs) in worker ${pending.claimedBy}`;
      await tx.query(`UPDATE "AutomationTick" SET status = 'FAILURE', "endedAt" = $2, error = $3::jsonb WHERE id = $1::bigint`, [
        pending.id,
        now,
        JSON.stringify({ name: "SensorTimeoutError", message: error }),
      ]);
      outcome.timedOut = { tickId: pending.id, error };
    }
    if ((state!.status ?? sensor.defaultStatus) === "STOPPED") return { ...outcome, kind: "stopped" };
    if (state!.nextTickAt && state!.nextTickAt.getTime() > now.getTime()) return outcome;
    const [tick] = await tx.query<{ id: string }>(
      `INSERT INTO "AutomationTick" ("locationId", status, "startedAt", "runIds", "sensorName", "deadlineAt")
       VALUES ($1, 'STARTED', $2, '{}', $3, $4) RETURNING id::text`,
      [location.id, now, sensor.name, new Date(now.getTime() + sensor.timeoutMs)],
    );
    await tx.query(`UPDATE "SensorState" SET "nextTickAt" = $3, "updatedAt" = now() WHERE "locationId" = $1 AND name = $2`, [
      location.id,
      sensor.name,
      new Date(now.getTime() + sensor.minimumIntervalMs),
    ]);
    return { ...outcome, kind: "requested", tickId: tick!.id };
  });
}

/** A sensor tick handed to a worker: what its function gets. */
export interface ClaimedSensorTick {
  tickId: string;
  sensor: string;
  cursor: string | null;
  lastTickAt: Date | null;
  deadlineAt: Date;
}

const sensorTicks: WorkerTickKind<ManifestSensor, SensorTickResult> = {
  noun: "sensor tick",
  schema: sensorTickResultSchema,
  nameColumn: `"sensorName"`,
  tickCondition: `t."sensorName" IS NOT NULL`,
  runKeyTable: `"SensorRunKey"`,
  definitionIn: (manifest, name) => manifest.sensors?.find((s) => s.name === name),
  goneMessage: (name) => `sensor "${name}" is no longer defined by the location`,
  launchOf: (request, { definition: sensor }) => ({
    assetKeys: request.assetKeys ?? sensor.targets,
    tags: { ...request.tags, [SENSOR_TAG]: sensor.name },
    createdBy: SENSOR_CREATOR,
    partition: request.partitionKey,
  }),
  // A sensor's tick counts the runs it launched.
  requestedBy: () => 1,
  noRunReason: "the sensor requested no run",
  // The tick's start is the sensor's last tick; the cursor moves to the one the function
  // returned, and stays where it failed (or returned none).
  async ended(tx, tick, result) {
    const cursor = result?.cursor ?? null;
    await tx.query(
      `UPDATE "SensorState" SET cursor = CASE WHEN $3::boolean THEN $4 ELSE cursor END, "lastTickAt" = $5, "updatedAt" = now()
       WHERE "locationId" = $1 AND name = $2`,
      [tick.locationId, tick.name, cursor !== null, cursor, tick.startedAt],
    );
  },
};

/** Takes the location's sensor ticks no worker has taken yet (each goes to exactly one worker). */
export function claimSensorTicks(sql: Sql, location: string, workerId: string): Promise<ClaimedSensorTick[]> {
  return claimWorkerTicks<ClaimedSensorTick>(
    sql,
    sensorTicks,
    location,
    workerId,
    `t.id::text AS "tickId", t."sensorName" AS sensor, t."deadlineAt",
       (SELECT s.cursor FROM "SensorState" s WHERE s."locationId" = l.id AND s.name = t."sensorName") AS cursor,
       (SELECT s."lastTickAt" FROM "SensorState" s WHERE s."locationId" = l.id AND s.name = t."sensorName") AS "lastTickAt"`,
  );
}

/**
 * A worker's answer to a sensor tick (see reportWorkerTick): each run launched carries the
 * sensor's tag; the cursor the function returned and the tick's time are stored, except when
 * it threw (its cursor then stays).
 */
export function reportSensorTick(sql: Sql, manifests: ManifestCache, input: TickReportInput): Promise<TickReportOutcome> {
  return reportWorkerTick(sql, manifests, sensorTicks, input);
}
