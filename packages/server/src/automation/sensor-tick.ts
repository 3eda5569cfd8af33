import { type ManifestSensor, sensorTickResultSchema } from "@strata/protocol";
import type { Sql } from "../db/sql.js";
import { InvalidArgumentError, NotFoundError, StrataError } from "../errors.js";
import { launchRun } from "../runs/launch.js";
import type { ManifestCache } from "../runs/manifest-cache.js";
import type { AutomationLocation } from "./tick.js";

/** Every run a sensor launches carries `strata/sensor=<name>`, and `strata/run_key=<key>` when it has one. */
export const SENSOR_TAG = "strata/sensor";
export const RUN_KEY_TAG = "strata/run_key";
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

/** Takes the location's sensor ticks no worker has taken yet (each goes to exactly one worker). */
export async function claimSensorTicks(sql: Sql, location: string, workerId: string): Promise<ClaimedSensorTick[]> {
  return sql.query<ClaimedSensorTick>(
    `UPDATE "AutomationTick" t SET "claimedBy" = $2
     FROM "CodeLocation" l
     WHERE l.name = $1 AND t."locationId" = l.id AND t.status = 'STARTED' AND t."sensorName" IS NOT NULL AND t."claimedBy" IS NULL
     RETURNING t.id::text AS "tickId", t."sensorName" AS sensor, t."deadlineAt",
       (SELECT s.cursor FROM "SensorState" s WHERE s."locationId" = l.id AND s.name = t."sensorName") AS cursor,
       (SELECT s."lastTickAt" FROM "SensorState" s WHERE s."locationId" = l.id AND s.name = t."sensorName") AS "lastTickAt"`,
    [location, workerId],
  );
}

export interface SensorReportOutcome {
  tickId: string;
  /** The tick's status after the report; a tick already ended (timed out) is left as it was. */
  status: "SUCCESS" | "SKIPPED" | "FAILURE";
  accepted: boolean;
  runs: Array<{ id: string; status: "QUEUED" | "STARTING"; location: string }>;
  /** Run keys the sensor had launched before: nothing launched for them. */
  repeatedRunKeys: string[];
}

/**
 * A worker's answer to a sensor tick, in one transaction: each run request with a run key not
 * launched before by this sensor (and every one without a key) launches its run; the tick ends
 * SUCCESS with its runs, or SKIPPED with the sensor's skip reason (or one naming the repeated
 * keys), or FAILURE with the error the function threw (its cursor then stays); the cursor and
 * the next tick's time are stored. A tick that already ended (it timed out) takes nothing.
 */
export async function reportSensorTick(
  sql: Sql,
  manifests: ManifestCache,
  input: { location: string; tickId: string; workerId: string; result: unknown },
): Promise<SensorReportOutcome> {
  const parsed = sensorTickResultSchema.safeParse(input.result);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InvalidArgumentError(`result.${issue.path.join(".")}`, issue.message);
  }
  const result = parsed.data;
  if (!/^\d{1,18}$/.test(input.tickId)) throw new NotFoundError("sensor tick", input.tickId);
  try {
    return await acceptReport(sql, manifests, input, result);
  } catch (error) {
    if (!(error instanceof RunRequestRefused)) throw error;
    // Nothing of the answer was kept (its runs and run keys rolled back): the tick fails now,
    // saying which request the server refused and why, rather than at its timeout.
    const message = `run request ${error.index} refused: ${error.cause.message}`;
    const [failed] = await sql.query<{ id: string }>(
      `UPDATE "AutomationTick" SET status = 'FAILURE', "endedAt" = now(), error = $2::jsonb WHERE id = $1::bigint AND status = 'STARTED' RETURNING id::text`,
      [input.tickId, JSON.stringify({ name: error.cause.name, message })],
    );
    return { tickId: input.tickId, status: "FAILURE", accepted: failed !== undefined, runs: [], repeatedRunKeys: [] };
  }
}

/** A run request of a sensor's answer that launchRun refused (an asset not in the location, a bad partition…). */
class RunRequestRefused extends Error {
  constructor(
    readonly index: number,
    override readonly cause: StrataError,
  ) {
    super(cause.message);
  }
}

async function acceptReport(
  sql: Sql,
  manifests: ManifestCache,
  input: { location: string; tickId: string; workerId: string },
  result: ReturnType<typeof sensorTickResultSchema.parse>,
): Promise<SensorReportOutcome> {
  return sql.transaction(async (tx) => {
    const [tick] = await tx.query<{ locationId: string; sensorName: string; status: string; startedAt: Date; claimedBy: string | null }>(
      `SELECT t."locationId", t."sensorName", t.status, t."startedAt", t."claimedBy" FROM "AutomationTick" t JOIN "CodeLocation" l ON l.id = t."locationId"
       WHERE t.id = $1::bigint AND l.name = $2 AND t."sensorName" IS NOT NULL FOR UPDATE OF t`,
      [input.tickId, input.location],
    );
    if (!tick) throw new NotFoundError("sensor tick", input.tickId);
    const done = (status: SensorReportOutcome["status"], accepted: boolean): SensorReportOutcome => ({
      tickId: input.tickId,
      status,
      accepted,
      runs: [],
      repeatedRunKeys: [],
    });
    // Ended already (timed out), or taken by another worker: this answer changes nothing.
    if (tick.status !== "STARTED" || (tick.claimedBy !== null && tick.claimedBy !== input.workerId))
      return done(tick.status === "STARTED" ? "FAILURE" : (tick.status as SensorReportOutcome["status"]), false);
    const [location] = await tx.query<{ versionId: string; name: string }>(
      `SELECT "currentVersionId" AS "versionId", name FROM "CodeLocation" WHERE id = $1`,
      [tick.locationId],
    );
    const sensor = (await manifests.get(tx, location!.versionId)).sensors?.find((s) => s.name === tick.sensorName);
    const stateUpdate = (cursor: string | null | undefined) =>
      tx.query(
        `UPDATE "SensorState" SET cursor = CASE WHEN $3::boolean THEN $4 ELSE cursor END, "lastTickAt" = $5, "updatedAt" = now()
         WHERE "locationId" = $1 AND name = $2`,
        [tick.locationId, tick.sensorName, cursor !== undefined && cursor !== null, cursor ?? null, tick.startedAt],
      );
    if (result.error || !sensor) {
      const error = result.error ?? {
        name: "Error",
        message: `sensor "${tick.sensorName}" is no longer defined by the location`,
        stack: null,
        cause: null,
      };
      await tx.query(`UPDATE "AutomationTick" SET status = 'FAILURE', "endedAt" = now(), error = $2::jsonb WHERE id = $1::bigint`, [
        input.tickId,
        JSON.stringify(error),
      ]);
      await stateUpdate(undefined);
      return done("FAILURE", true);
    }
    const outcome = done("SKIPPED", true);
    const launchedKeys: string[] = [];
    for (const [index, request] of result.runRequests.entries()) {
      if (request.runKey !== null) {
        const [fresh] = await tx.query<{ runKey: string }>(
          `INSERT INTO "SensorRunKey" ("locationId", "sensorName", "runKey", "runId") VALUES ($1, $2, $3, '')
           ON CONFLICT DO NOTHING RETURNING "runKey"`,
          [tick.locationId, tick.sensorName, request.runKey],
        );
        if (!fresh) {
          outcome.repeatedRunKeys.push(request.runKey);
          continue;
        }
      }
      const run = await launchRun(
        tx,
        manifests,
        {
          assetKeys: request.assetKeys ?? sensor.targets,
          tags: { ...request.tags, [SENSOR_TAG]: sensor.name, ...(request.runKey !== null ? { [RUN_KEY_TAG]: request.runKey } : {}) },
          createdBy: SENSOR_CREATOR,
          partition: request.partitionKey,
        },
        null,
      ).catch((error: unknown) => {
        throw error instanceof StrataError ? new RunRequestRefused(index, error) : error;
      });
      if (request.runKey !== null) {
        launchedKeys.push(request.runKey);
        await tx.query(`UPDATE "SensorRunKey" SET "runId" = $4 WHERE "locationId" = $1 AND "sensorName" = $2 AND "runKey" = $3`, [
          tick.locationId,
          tick.sensorName,
          request.runKey,
          run.id,
        ]);
      }
      outcome.runs.push({ id: run.id, status: run.status, location: run.location });
    }
    outcome.status = outcome.runs.length ? "SUCCESS" : "SKIPPED";
    const skipReason =
      outcome.status === "SUCCESS"
        ? null
        : (result.skipReason ??
          (outcome.repeatedRunKeys.length
            ? `every run key was launched before: ${outcome.repeatedRunKeys.slice(0, 10).join(", ")}${outcome.repeatedRunKeys.length > 10 ? ", …" : ""}`
            : "the sensor requested no run"));
    await tx.query(
      `UPDATE "AutomationTick" SET status = $2::"AutomationTickStatus", "endedAt" = now(), "runIds" = $3::text[], requested = $4,
         "skipReason" = $5, "runKeys" = $6::text[] WHERE id = $1::bigint`,
      [
        input.tickId,
        outcome.status,
        outcome.runs.map((r) => r.id),
        outcome.runs.length,
        skipReason,
        [...launchedKeys, ...outcome.repeatedRunKeys],
      ],
    );
    await stateUpdate(result.cursor);
    return outcome;
  });
}
