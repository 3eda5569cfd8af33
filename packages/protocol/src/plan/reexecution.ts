import { PlanError } from "./plan-error.js";
import { topologicalOrder } from "./cycle.js";
import type { RunEvent } from "../events.js";
import type { Manifest } from "../manifest.js";
import { resolveSelection, type RunSelection } from "./selection.js";

/**
 * Which steps a re-execution runs (Dagster's strategies).
 * - `FROM_FAILURE`: steps that failed, were interrupted or never started, and everything
 *   downstream of them;
 * - `FROM_ASSET_FAILURE`: the assets the parent selected but did not materialize, and those a
 *   blocking check of failed (with its checks, and what they blocked); a multi-asset that
 *   cannot be subset runs whole;
 * - `ALL_STEPS`: every step of the parent;
 * - `SELECTED_STEPS`: the parent's steps the caller names (Dagster's "re-execute selected steps").
 *
 * @example
 * ```ts
 * await materialize(defs, { parentRun: failed, strategy: "FROM_ASSET_FAILURE" satisfies ReexecutionStrategy });
 * ```
 */
export type ReexecutionStrategy = "FROM_FAILURE" | "FROM_ASSET_FAILURE" | "ALL_STEPS" | "SELECTED_STEPS";

/**
 * Why a re-execution cannot be planned.
 *
 * @example
 * ```ts
 * const benign: ReexecutionErrorCode = "nothing_to_reexecute";
 * ```
 */
export type ReexecutionErrorCode = "nothing_to_reexecute" | "invalid_parent_run" | "invalid_step_selection";

/**
 * Thrown when a re-execution has nothing to do, or the parent's events are not a run's.
 *
 * @example
 * ```ts
 * try {
 *   planReexecution(manifest, successfulRun.events, "FROM_FAILURE");
 * } catch (error) {
 *   if (error instanceof ReexecutionError && error.code === "nothing_to_reexecute") console.log("all good");
 * }
 * ```
 */
export class ReexecutionError extends PlanError<ReexecutionErrorCode> {
  override readonly name = "ReexecutionError";
}

/**
 * A child run's selection, where its reused values come from, and its lineage.
 *
 * @example
 * ```ts
 * const plan: ReexecutionPlan = planReexecution(manifest, parentEvents, "FROM_FAILURE");
 * await executeRun(defs, { parentRun: { events: parentEvents } }); // plans the same way
 * ```
 */
export interface ReexecutionPlan extends RunSelection {
  strategy: ReexecutionStrategy;
  parentRunId: string;
  rootRunId: string;
  /** Outputs of steps that do not run again, which inputs load, and the run that stored each. */
  reusedOutputs: { stepKey: string; output: string; runId: string }[];
}

type StepState = "success" | "failed" | "skipped" | "started";

/** The state each step event leaves its step in. */
const STEP_STATE_AFTER: Partial<Record<RunEvent["type"], StepState>> = {
  STEP_START: "started",
  STEP_RESTARTED: "started",
  STEP_SUCCESS: "success",
  STEP_FAILURE: "failed",
  STEP_CANCELED: "failed",
  STEP_SKIPPED: "skipped",
};

/** What a finished (or crashed) run's events say about it. */
function summarize(events: readonly RunEvent[]) {
  const start = events.find((e): e is RunEvent<"RUN_START"> => e.type === "RUN_START");
  if (!start) throw new ReexecutionError("invalid_parent_run", "the parent run's events have no RUN_START event");
  const state = new Map<string, StepState>();
  const produced = new Set<string>();
  const materialized = new Set<string>();
  /** Assets a blocking check of failed: materialized, but not fit for downstream. */
  const blocked = new Set<string>();
  for (const event of events) {
    const key = event.stepKey;
    const stepState = STEP_STATE_AFTER[event.type];
    if (stepState) {
      if (key) state.set(key, stepState);
      continue;
    }
    switch (event.type) {
      case "STEP_OUTPUT":
        if (key) produced.add(`${key}\u0000${event.payload.outputName}`);
        break;
      case "ASSET_MATERIALIZATION":
        materialized.add(event.payload.assetKey);
        break;
      case "ASSET_CHECK_EVALUATION":
        if (event.payload.blocking && !event.payload.passed && event.payload.severity === "ERROR") blocked.add(event.payload.assetKey);
        break;
    }
  }
  const reused = new Map(start.payload.reusedOutputs.map((r) => [`${r.stepKey}\u0000${r.output}`, r.runId]));
  return { start: start.payload, state, produced, materialized, blocked, reused };
}

/**
 * Plans a re-execution: from the location's manifest, the parent run's events and a strategy,
 * the steps to run again and where the values they load come from. A pure function of plain
 * data, so the server can apply the very same rules to stored events. Throws a
 * `ReexecutionError` ("nothing_to_reexecute") when the strategy selects nothing.
 *
 * SELECTED_STEPS runs exactly `stepKeys` (steps of the parent run, e.g. one op of a graph
 * asset, as Dagster's "re-execute selected steps"), loading every other input from the runs that
 * stored it; a key the parent did not run is a `ReexecutionError` ("invalid_step_selection").
 *
 * @example
 * ```ts
 * const failed = await materialize(defs, { ioManagers: { io_manager: storage } });
 * const plan = planReexecution(defs.manifest().manifest, failed.events, "FROM_FAILURE");
 * plan.stepKeys; // the failed step and everything downstream of it
 * ```
 */
export function planReexecution(
  manifest: Manifest,
  parentEvents: readonly RunEvent[],
  strategy: ReexecutionStrategy,
  stepKeys: readonly string[] = [],
): ReexecutionPlan {
  const parent = summarize(parentEvents);
  const stepsByKey = new Map(manifest.steps.map((s) => [s.key, s]));
  // Steps the code no longer has cannot run again; the rest keep the parent's selection.
  const parentSteps = parent.start.stepKeys.filter((k) => stepsByKey.has(k));
  const known = new Set(manifest.assets.map((a) => a.key));
  const parentAssets = parent.start.assetKeys.filter((k) => known.has(k));
  const upstreamOf = (key: string) => [...stepsByKey.get(key)!.inputs, ...stepsByKey.get(key)!.deps].map((i) => i.stepKey);

  if ((strategy === "SELECTED_STEPS") !== stepKeys.length > 0) {
    throw new ReexecutionError(
      "invalid_step_selection",
      strategy === "SELECTED_STEPS"
        ? "SELECTED_STEPS needs the keys of the steps to run"
        : `${strategy} takes no step keys (use SELECTED_STEPS)`,
    );
  }
  const outputsOf = (key: string) => stepsByKey.get(key)!.outputs.flatMap((o) => (o.assetKey ? [o.assetKey] : []));
  let selection: RunSelection;
  if (strategy === "SELECTED_STEPS") {
    const chosen = new Set(stepKeys);
    const unknown = [...chosen].filter((k) => !parentSteps.includes(k));
    if (unknown.length) {
      throw new ReexecutionError(
        "invalid_step_selection",
        `run ${parent.start.runId} has no step ${unknown.map((k) => `"${k}"`).join(", ")} (its steps: ${parentSteps.join(", ")})`,
      );
    }
    const assets = new Set([...chosen].flatMap(outputsOf));
    selection = { stepKeys: parentSteps.filter((k) => chosen.has(k)), assetKeys: parentAssets.filter((k) => assets.has(k)) };
  } else if (strategy === "ALL_STEPS") {
    selection = { stepKeys: parentSteps, assetKeys: parentAssets };
  } else if (strategy === "FROM_FAILURE") {
    const again = new Set<string>();
    for (const key of topologicalOrder(parentSteps, upstreamOf)) {
      const state = parent.state.get(key);
      const broken = state === undefined || state === "started" || state === "failed";
      if (broken || upstreamOf(key).some((up) => again.has(up))) again.add(key);
    }
    const assets = new Set([...again].flatMap(outputsOf));
    selection = { stepKeys: parentSteps.filter((k) => again.has(k)), assetKeys: parentAssets.filter((k) => assets.has(k)) };
  } else {
    const missing = new Set(parentAssets.filter((k) => !parent.materialized.has(k) || parent.blocked.has(k)));
    // A multi-asset that cannot be subset must run whole, even for one missing asset.
    for (const asset of manifest.assets) {
      if (!asset.multiAsset || asset.multiAsset.canSubset) continue;
      const name = asset.multiAsset.name;
      if (manifest.assets.some((a) => a.multiAsset?.name === name && missing.has(a.key)) && parentAssets.includes(asset.key))
        missing.add(asset.key);
    }
    selection = missing.size === 0 ? { stepKeys: [], assetKeys: [] } : resolveSelection(manifest, [...missing]);
  }
  if (selection.stepKeys.length === 0) {
    throw new ReexecutionError("nothing_to_reexecute", `run ${parent.start.runId} has nothing to re-execute with strategy ${strategy}`);
  }

  // An input loads from storage when the new run will not produce it: its step does not run,
  // or the step runs as a subset without that asset.
  const running = new Set(selection.stepKeys);
  const selectedAssets = new Set(selection.assetKeys);
  const producedHere = (input: { stepKey: string; assetKey: string | null }) =>
    running.has(input.stepKey) && (input.assetKey === null || selectedAssets.has(input.assetKey));
  const reusedOutputs: ReexecutionPlan["reusedOutputs"] = [];
  const seen = new Set<string>();
  for (const key of selection.stepKeys) {
    for (const input of stepsByKey.get(key)!.inputs) {
      const slot = `${input.stepKey}\u0000${input.output}`;
      if (producedHere(input) || seen.has(slot)) continue;
      seen.add(slot);
      const runId = parent.produced.has(slot) ? parent.start.runId : parent.reused.get(slot);
      if (runId) reusedOutputs.push({ stepKey: input.stepKey, output: input.output, runId });
    }
  }
  return {
    ...selection,
    strategy,
    parentRunId: parent.start.runId,
    rootRunId: parent.start.rootRunId ?? parent.start.runId,
    reusedOutputs,
  };
}
