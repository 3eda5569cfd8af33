import { resolveRunPartitions } from "../partitions/run-partitions.js";
import { isTerminalRunStatus, planReexecution, ReexecutionError, type ReexecutionStrategy } from "@strata/protocol";
import type { Sql } from "../db/sql.js";
import { InvalidArgumentError, NothingToReexecuteError, NotFoundError, RunStatusError } from "../errors.js";
import type { ClaimDesk } from "./claim-desk.js";
import { insertRunHandingOff, type LaunchedRun } from "./launch.js";
import type { ManifestCache } from "./manifest-cache.js";
import { readExecutorEvents } from "./run-events.js";
import { planOf, readPlan, type RunPlan } from "./run-plan.js";
import { parseTags } from "./run-tags.js";

/**
 * Queues a child run of a finished run, with Dagster's semantics: FROM_FAILURE re-runs failed,
 * interrupted and never-started steps and everything downstream of them; FROM_ASSET_FAILURE
 * re-runs what did not materialize; ALL_STEPS re-runs the parent's whole selection; SELECTED_STEPS
 * re-runs the parent's steps named in `stepKeys` (one op of a graph asset, say). The plan
 * comes from the parent's stored events and the location's current manifest, through the same
 * pure function the location's executor uses; values of steps not re-run are loaded through the
 * IO manager from the runs that stored them. With `claims`, the child may be handed to a worker
 * waiting there, as launchRun's run may.
 */
export async function reexecuteRun(
  sql: Sql,
  manifests: ManifestCache,
  input: { runId: string; strategy: ReexecutionStrategy; stepKeys?: readonly string[] | null; extraTags?: unknown; createdBy: string },
  admitUpTo: number | null,
  claims?: ClaimDesk,
): Promise<LaunchedRun> {
  const [parent] = await sql.query<{
    id: string;
    status: string;
    locationId: string;
    versionId: string | null;
    plan: unknown;
    tags: Record<string, string>;
    rootRunId: string | null;
    location: string;
    partitionKey: string | null;
    partitionRangeStart: string | null;
    partitionRangeEnd: string | null;
  }>(
    `SELECT r.id, r.status, r."locationId", l."currentVersionId" AS "versionId", r.plan, r.tags, r."rootRunId", l.name AS location,
            r."partitionKey", r."partitionRangeStart", r."partitionRangeEnd"
     FROM "Run" r JOIN "CodeLocation" l ON l.id = r."locationId" WHERE r.id = $1`,
    [input.runId],
  );
  const stepKeys = input.stepKeys ?? [];
  if ((input.strategy === "SELECTED_STEPS") !== stepKeys.length > 0)
    throw new InvalidArgumentError(
      "stepKeys",
      input.strategy === "SELECTED_STEPS"
        ? "SELECTED_STEPS needs the keys of the steps to run"
        : `${input.strategy} takes no step keys (use SELECTED_STEPS)`,
    );
  if (!parent) throw new NotFoundError("run", input.runId);
  if (!isTerminalRunStatus(parent.status)) {
    throw new RunStatusError(
      { runId: parent.id, status: parent.status },
      `Run ${parent.id} is ${parent.status}: only a finished run can be re-executed`,
    );
  }
  if (!parent.versionId) throw new NotFoundError("code location version", parent.locationId);
  const manifest = await manifests.get(sql, parent.versionId);
  const events = await readExecutorEvents(sql, parent.id);
  const rootRunId = parent.rootRunId ?? parent.id;
  let plan: RunPlan;
  if (!events.some((e) => e.type === "RUN_START")) {
    if (stepKeys.length)
      throw new InvalidArgumentError(
        "stepKeys",
        `run ${parent.id} never started: it has no outputs to re-execute steps from (use ALL_STEPS)`,
      );
    // The parent never started (canceled in the queue, never claimed): nothing ran, all must.
    const parentPlan = readPlan(parent.plan);
    plan = planOf(manifest, parentPlan);
  } else {
    try {
      const reexecution = planReexecution(manifest, events, input.strategy, stepKeys);
      plan = planOf(manifest, reexecution, reexecution.reusedOutputs);
    } catch (error) {
      if (error instanceof ReexecutionError && error.code === "invalid_step_selection")
        throw new InvalidArgumentError("stepKeys", error.message);
      if (error instanceof ReexecutionError && error.code === "nothing_to_reexecute") {
        throw new NothingToReexecuteError(
          { runId: parent.id },
          `Nothing to re-execute ${input.strategy} for run ${parent.id}: ${error.message}`,
        );
      }
      throw error;
    }
  }
  const tags = {
    ...parent.tags,
    ...parseTags(input.extraTags, "extraTags"),
    "strata/parent_run_id": parent.id,
    "strata/root_run_id": rootRunId,
  };
  // The child materializes the parent's partitions (those that still exist).
  const partitions = await resolveRunPartitions(sql, plan.assetKeys, {
    partition: parent.partitionKey,
    partitionRange:
      parent.partitionRangeStart !== null && parent.partitionRangeEnd !== null
        ? { from: parent.partitionRangeStart, to: parent.partitionRangeEnd }
        : null,
  });
  const run = await insertRunHandingOff(
    sql,
    claims,
    parent.location,
    {
      partitions,
      locationId: parent.locationId,
      versionId: parent.versionId,
      plan,
      tags,
      parentRunId: parent.id,
      rootRunId,
      strategy: input.strategy,
      createdBy: input.createdBy,
    },
    admitUpTo,
  );
  // Without onlyAtVersion a run is always stored.
  if (!run) throw new Error(`re-execution of run ${parent.id} was not stored`);
  return { ...run, location: parent.location };
}
