import { type ScheduleTickResult, scheduleTickResultSchema } from "@strata/protocol";
import type { Sql } from "../db/sql.js";
import { InvalidArgumentError, NotFoundError, StrataError } from "../errors.js";
import { launchRun } from "../runs/launch.js";
import type { ManifestCache } from "../runs/manifest-cache.js";
import { defaultSchedulePartition, SCHEDULE_CREATOR, SCHEDULE_TAG, SCHEDULED_AT_TAG } from "./schedule-tick.js";
import { RUN_KEY_TAG } from "./sensor-tick.js";
import type { AutomationLocation } from "./tick.js";

/** A schedule function's tick handed to a worker: the instant its function evaluates. */
export interface ClaimedScheduleTick {
  tickId: string;
  schedule: string;
  scheduledAt: Date;
  deadlineAt: Date;
}

/** Takes the location's schedule-function ticks no worker has taken yet (each goes to exactly one worker). */
export async function claimScheduleTicks(sql: Sql, location: string, workerId: string): Promise<ClaimedScheduleTick[]> {
  return sql.query<ClaimedScheduleTick>(
    `UPDATE "AutomationTick" t SET "claimedBy" = $2
     FROM "CodeLocation" l
     WHERE l.name = $1 AND t."locationId" = l.id AND t.status = 'STARTED' AND t."scheduleName" IS NOT NULL
       AND t."deadlineAt" IS NOT NULL AND t."claimedBy" IS NULL
     RETURNING t.id::text AS "tickId", t."scheduleName" AS schedule, t."scheduledAt", t."deadlineAt"`,
    [location, workerId],
  );
}

export interface ScheduleReportOutcome {
  tickId: string;
  /** The tick's status after the report; a tick already ended (timed out) is left as it was. */
  status: "SUCCESS" | "SKIPPED" | "FAILURE";
  accepted: boolean;
  runs: Array<{ id: string; status: "QUEUED" | "STARTING"; location: string }>;
  /** Run keys the schedule had launched before: nothing launched for them. */
  repeatedRunKeys: string[];
}

/**
 * A worker's answer to a schedule function's tick, in one transaction: each run request with a
 * run key this schedule has not launched before (and each without one) launches its run, tagged
 * as the schedule's runs are; the tick ends SUCCESS with its runs, SKIPPED with the function's
 * skip reason (or one naming the repeated keys), or FAILURE with the error it threw. A request
 * the server refuses rolls everything back and fails the tick naming it. A tick already ended
 * (timed out) takes nothing.
 */
export async function reportScheduleTick(
  sql: Sql,
  manifests: ManifestCache,
  input: { location: string; tickId: string; workerId: string; result: unknown },
): Promise<ScheduleReportOutcome> {
  const parsed = scheduleTickResultSchema.safeParse(input.result);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InvalidArgumentError(`result.${issue.path.join(".")}`, issue.message);
  }
  if (!/^\d{1,18}$/.test(input.tickId)) throw new NotFoundError("schedule tick", input.tickId);
  try {
    return await acceptReport(sql, manifests, input, parsed.data);
  } catch (error) {
    if (!(error instanceof RunRequestRefused)) throw error;
    const message = `run request ${error.index} refused: ${error.cause.message}`;
    const [failed] = await sql.query<{ id: string }>(
      `UPDATE "AutomationTick" SET status = 'FAILURE', "endedAt" = now(), error = $2::jsonb WHERE id = $1::bigint AND status = 'STARTED' RETURNING id::text`,
      [input.tickId, JSON.stringify({ name: error.cause.name, message })],
    );
    return { tickId: input.tickId, status: "FAILURE", accepted: failed !== undefined, runs: [], repeatedRunKeys: [] };
  }
}

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
  result: ScheduleTickResult,
): Promise<ScheduleReportOutcome> {
  return sql.transaction(async (tx) => {
    const [tick] = await tx.query<{
      locationId: string;
      scheduleName: string;
      status: string;
      scheduledAt: Date;
      claimedBy: string | null;
      versionId: string;
    }>(
      `SELECT t."locationId", t."scheduleName", t.status, t."scheduledAt", t."claimedBy", l."currentVersionId" AS "versionId"
       FROM "AutomationTick" t JOIN "CodeLocation" l ON l.id = t."locationId"
       WHERE t.id = $1::bigint AND l.name = $2 AND t."scheduleName" IS NOT NULL AND t."deadlineAt" IS NOT NULL FOR UPDATE OF t`,
      [input.tickId, input.location],
    );
    if (!tick) throw new NotFoundError("schedule tick", input.tickId);
    const outcome: ScheduleReportOutcome = { tickId: input.tickId, status: "SKIPPED", accepted: true, runs: [], repeatedRunKeys: [] };
    // Ended already (timed out), or taken by another worker: this answer changes nothing.
    if (tick.status !== "STARTED" || (tick.claimedBy !== null && tick.claimedBy !== input.workerId))
      return {
        ...outcome,
        accepted: false,
        status: tick.status === "STARTED" ? "FAILURE" : (tick.status as ScheduleReportOutcome["status"]),
      };
    const schedule = (await manifests.get(tx, tick.versionId)).schedules?.find((s) => s.name === tick.scheduleName && s.function);
    if (result.error || !schedule) {
      const error = result.error ?? {
        name: "Error",
        message: `schedule "${tick.scheduleName}" is no longer defined with a function by the location`,
        stack: null,
        cause: null,
      };
      await tx.query(`UPDATE "AutomationTick" SET status = 'FAILURE', "endedAt" = now(), error = $2::jsonb WHERE id = $1::bigint`, [
        input.tickId,
        JSON.stringify(error),
      ]);
      return { ...outcome, status: "FAILURE" };
    }
    const location: AutomationLocation = { id: tick.locationId, name: input.location, versionId: tick.versionId };
    const launchedKeys: string[] = [];
    // Default requests of a time-partitioned target at an instant before its first window ended:
    // skipped (with the reason a data schedule gives), their run keys not spent.
    const noWindow: string[] = [];
    let requested = 0;
    for (const [index, request] of result.runRequests.entries()) {
      // A request for the schedule's own target runs the partition its default run would.
      let partition = request.partitionKey;
      if (partition === null && request.assetKeys === null) {
        const fallback = await defaultSchedulePartition(tx, manifests, location, schedule, tick.scheduledAt);
        if (fallback.skipReason !== null) {
          noWindow.push(fallback.skipReason);
          continue;
        }
        partition = fallback.partition;
      }
      if (request.runKey !== null) {
        const [fresh] = await tx.query<{ runKey: string }>(
          `INSERT INTO "ScheduleRunKey" ("locationId", "scheduleName", "runKey", "runId") VALUES ($1, $2, $3, '')
           ON CONFLICT DO NOTHING RETURNING "runKey"`,
          [tick.locationId, schedule.name, request.runKey],
        );
        if (!fresh) {
          outcome.repeatedRunKeys.push(request.runKey);
          continue;
        }
      }
      const assetKeys = request.assetKeys ?? schedule.targets;
      const run = await launchRun(
        tx,
        manifests,
        {
          assetKeys,
          tags: {
            ...schedule.tags,
            ...request.tags,
            [SCHEDULE_TAG]: schedule.name,
            [SCHEDULED_AT_TAG]: tick.scheduledAt.toISOString(),
            ...(request.runKey !== null ? { [RUN_KEY_TAG]: request.runKey } : {}),
          },
          createdBy: SCHEDULE_CREATOR,
          ...(partition === null ? {} : { partition }),
        },
        null,
      ).catch((error: unknown) => {
        throw error instanceof StrataError ? new RunRequestRefused(index, error) : error;
      });
      if (request.runKey !== null) {
        launchedKeys.push(request.runKey);
        await tx.query(`UPDATE "ScheduleRunKey" SET "runId" = $4 WHERE "locationId" = $1 AND "scheduleName" = $2 AND "runKey" = $3`, [
          tick.locationId,
          schedule.name,
          request.runKey,
          run.id,
        ]);
      }
      requested += assetKeys.length;
      outcome.runs.push({ id: run.id, status: run.status, location: run.location });
    }
    outcome.status = outcome.runs.length ? "SUCCESS" : "SKIPPED";
    const repeated = outcome.repeatedRunKeys;
    const skipReason =
      outcome.status === "SUCCESS"
        ? null
        : (result.skipReason ??
          (repeated.length
            ? `every run key was launched before: ${repeated.slice(0, 10).join(", ")}${repeated.length > 10 ? ", …" : ""}`
            : (noWindow[0] ?? "the schedule function requested no run")));
    await tx.query(
      `UPDATE "AutomationTick" SET status = $2::"AutomationTickStatus", "endedAt" = now(), "runIds" = $3::text[], requested = $4,
         "skipReason" = $5, "runKeys" = $6::text[] WHERE id = $1::bigint`,
      [input.tickId, outcome.status, outcome.runs.map((r) => r.id), requested, skipReason, [...launchedKeys, ...repeated]],
    );
    return outcome;
  });
}
