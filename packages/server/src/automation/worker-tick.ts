import type { Manifest, ScheduleTickResult, SensorRunRequest } from "@strata/protocol";
import type { z } from "zod";
import type { Sql } from "../db/sql.js";
import { InvalidArgumentError, NotFoundError, StrataError } from "../errors.js";
import { launchRun, type NewRunStatus } from "../runs/launch.js";
import type { ManifestCache } from "../runs/manifest-cache.js";

/** Every run a sensor or a schedule function launches for a run request with a key carries `strata/run_key=<key>`. */
export const RUN_KEY_TAG = "strata/run_key";

/** A worker's answer to a tick it claimed, as the server took it. */
export interface TickReportOutcome {
  tickId: string;
  /** The tick's status after the report; a tick already ended (timed out) is left as it was. */
  status: "SUCCESS" | "SKIPPED" | "FAILURE";
  accepted: boolean;
  runs: Array<{ id: string; status: NewRunStatus; location: string }>;
  /** Run keys the instigator had launched before: nothing launched for them. */
  repeatedRunKeys: string[];
}

export interface TickReportInput {
  location: string;
  tickId: string;
  workerId: string;
  result: unknown;
}

/** The tick a report answers, read under its row lock. */
export interface ReportedTick {
  locationId: string;
  location: string;
  /** The schedule's or the sensor's name. */
  name: string;
  status: string;
  startedAt: Date;
  scheduledAt: Date | null;
  claimedBy: string | null;
  versionId: string;
}

/** What one run request launches (its run key's tag is added to `tags`), or why it launches nothing. */
export type RequestedLaunch =
  | { assetKeys: string[]; tags: Record<string, string>; createdBy: string; partition?: string | null }
  | { skipReason: string };

/**
 * What tells a schedule function's ticks from a sensor's: the rest of how a worker claims a tick
 * and how its answer launches runs (run keys, refused requests, skip reasons) is one procedure.
 */
export interface WorkerTickKind<Definition, Result extends ScheduleTickResult> {
  /** "schedule tick" or "sensor tick", as NotFoundError names it. */
  noun: string;
  schema: z.ZodType<Result>;
  /** The AutomationTick column naming the instigator ("scheduleName", "sensorName"). */
  nameColumn: string;
  /** The condition (on `t`) that picks this kind's worker ticks among AutomationTick's rows. */
  tickCondition: string;
  /** The table of the run keys this kind has launched. */
  runKeyTable: string;
  /** The instigator as the location's current manifest defines it; undefined when it no longer does. */
  definitionIn(manifest: Manifest, name: string): Definition | undefined;
  /** The failure of a tick whose instigator the location no longer defines. */
  goneMessage(name: string): string;
  launchOf(
    request: SensorRunRequest,
    at: { tx: Sql; manifests: ManifestCache; tick: ReportedTick; definition: Definition },
  ): Promise<RequestedLaunch> | RequestedLaunch;
  /** What the tick's `requested` counts of a launched run. */
  requestedBy(launch: { assetKeys: string[] }): number;
  /** The skip reason when nothing was requested and the function gave none. */
  noRunReason: string;
  /** After the tick ended, in its transaction; `result` is undefined when it failed. */
  ended?(tx: Sql, tick: ReportedTick, result: Result | undefined): Promise<void>;
}

/**
 * Takes the location's ticks of this kind that no worker has taken yet (each goes to exactly one
 * worker), returning `returning` (selected over `t`, the tick, and `l`, its location).
 */
export function claimWorkerTicks<Row>(
  sql: Sql,
  kind: WorkerTickKind<unknown, ScheduleTickResult>,
  location: string,
  workerId: string,
  returning: string,
): Promise<Row[]> {
  return sql.query<Row>(
    `UPDATE "AutomationTick" t SET "claimedBy" = $2
     FROM "CodeLocation" l
     WHERE l.name = $1 AND t."locationId" = l.id AND t.status = 'STARTED' AND ${kind.tickCondition} AND t."claimedBy" IS NULL
     RETURNING ${returning}`,
    [location, workerId],
  );
}

/**
 * A worker's answer to a tick, in one transaction: each run request with a run key this
 * instigator has not launched before (and each without one) launches its run; the tick ends
 * SUCCESS with its runs, SKIPPED with the function's skip reason (or one naming the repeated
 * keys), or FAILURE with the error it threw. A request the server refuses rolls everything back
 * and fails the tick naming it. A tick already ended (timed out) takes nothing.
 */
export async function reportWorkerTick<Definition, Result extends ScheduleTickResult>(
  sql: Sql,
  manifests: ManifestCache,
  kind: WorkerTickKind<Definition, Result>,
  input: TickReportInput,
): Promise<TickReportOutcome> {
  const parsed = kind.schema.safeParse(input.result);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InvalidArgumentError(`result.${issue.path.join(".")}`, issue.message);
  }
  if (!/^\d{1,18}$/.test(input.tickId)) throw new NotFoundError(kind.noun, input.tickId);
  try {
    return await sql.transaction((tx) => acceptReport(tx, manifests, kind, input, parsed.data));
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

/** A run request of a worker's answer that launchRun refused (an asset not in the location, a bad partition…). */
class RunRequestRefused extends Error {
  constructor(
    readonly index: number,
    override readonly cause: StrataError,
  ) {
    super(cause.message);
  }
}

async function acceptReport<Definition, Result extends ScheduleTickResult>(
  tx: Sql,
  manifests: ManifestCache,
  kind: WorkerTickKind<Definition, Result>,
  input: TickReportInput,
  result: Result,
): Promise<TickReportOutcome> {
  const [tick] = await tx.query<ReportedTick>(
    `SELECT t."locationId", l.name AS location, t.${kind.nameColumn} AS name, t.status, t."startedAt", t."scheduledAt", t."claimedBy", l."currentVersionId" AS "versionId"
     FROM "AutomationTick" t JOIN "CodeLocation" l ON l.id = t."locationId"
     WHERE t.id = $1::bigint AND l.name = $2 AND ${kind.tickCondition} FOR UPDATE OF t`,
    [input.tickId, input.location],
  );
  if (!tick) throw new NotFoundError(kind.noun, input.tickId);
  const outcome: TickReportOutcome = { tickId: input.tickId, status: "SKIPPED", accepted: true, runs: [], repeatedRunKeys: [] };
  // Ended already (timed out), or taken by another worker: this answer changes nothing.
  if (tick.status !== "STARTED" || (tick.claimedBy !== null && tick.claimedBy !== input.workerId))
    return { ...outcome, accepted: false, status: tick.status === "STARTED" ? "FAILURE" : (tick.status as TickReportOutcome["status"]) };
  const definition = kind.definitionIn(await manifests.get(tx, tick.versionId), tick.name);
  if (result.error || !definition) {
    const error = result.error ?? { name: "Error", message: kind.goneMessage(tick.name), stack: null, cause: null };
    await tx.query(`UPDATE "AutomationTick" SET status = 'FAILURE', "endedAt" = now(), error = $2::jsonb WHERE id = $1::bigint`, [
      input.tickId,
      JSON.stringify(error),
    ]);
    await kind.ended?.(tx, tick, undefined);
    return { ...outcome, status: "FAILURE" };
  }
  const launchedKeys: string[] = [];
  // Requests skipped for a reason of their own (their run keys not spent).
  const skipped: string[] = [];
  let requested = 0;
  for (const [index, request] of result.runRequests.entries()) {
    const launch = await kind.launchOf(request, { tx, manifests, tick, definition });
    if ("skipReason" in launch) {
      skipped.push(launch.skipReason);
      continue;
    }
    if (request.runKey !== null) {
      const [fresh] = await tx.query<{ runKey: string }>(
        `INSERT INTO ${kind.runKeyTable} ("locationId", ${kind.nameColumn}, "runKey", "runId") VALUES ($1, $2, $3, '')
         ON CONFLICT DO NOTHING RETURNING "runKey"`,
        [tick.locationId, tick.name, request.runKey],
      );
      if (!fresh) {
        outcome.repeatedRunKeys.push(request.runKey);
        continue;
      }
    }
    const tags = { ...launch.tags, ...(request.runKey !== null ? { [RUN_KEY_TAG]: request.runKey } : {}) };
    const run = await launchRun(tx, manifests, { ...launch, tags }, null).catch((error: unknown) => {
      throw error instanceof StrataError ? new RunRequestRefused(index, error) : error;
    });
    if (request.runKey !== null) {
      launchedKeys.push(request.runKey);
      await tx.query(`UPDATE ${kind.runKeyTable} SET "runId" = $4 WHERE "locationId" = $1 AND ${kind.nameColumn} = $2 AND "runKey" = $3`, [
        tick.locationId,
        tick.name,
        request.runKey,
        run.id,
      ]);
    }
    requested += kind.requestedBy(launch);
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
          : (skipped[0] ?? kind.noRunReason)));
  await tx.query(
    `UPDATE "AutomationTick" SET status = $2::"AutomationTickStatus", "endedAt" = now(), "runIds" = $3::text[], requested = $4,
       "skipReason" = $5, "runKeys" = $6::text[] WHERE id = $1::bigint`,
    [input.tickId, outcome.status, outcome.runs.map((r) => r.id), requested, skipReason, [...launchedKeys, ...repeated]],
  );
  await kind.ended?.(tx, tick, result);
  return outcome;
}
