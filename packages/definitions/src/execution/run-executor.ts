import type { TerminalRunStatus } from "@strata/protocol";
import { randomUUID } from "node:crypto";
import { setMaxListeners } from "node:events";
import { AssetCheckDefinition } from "../authoring/asset-check.js";
import { AssetOutputRef } from "../authoring/asset-in.js";
import { assetKeyToString, parseAssetKey, type AssetKeyInput } from "../authoring/asset-key.js";
import { AssetsDefinition } from "../authoring/assets-definition.js";
import { systemClock, type Clock } from "./clock.js";
import type { Definitions } from "../authoring/definitions.js";
import type { EventSink, RunEvent } from "./events.js";
import { serializeError } from "./serialize-error.js";
import { selectPlannedRun, type PlannedRun, type RunLineage } from "./planned-run.js";
import { planReexecution, type ReexecutionStrategy } from "@strata/protocol";
import { ResourceScope } from "./resource-scope.js";
import { resolveRunPartitions, type PartitionRequest } from "./run-partitions.js";
import { RunLog } from "./run-log.js";
import { LoopTurns } from "./loop-turns.js";
import type { RunState } from "./run-state.js";
import { resolveSelection, selectChecks, selectSteps, type RunSelection } from "@strata/protocol";
import { Semaphore } from "./semaphore.js";
import { stepLogger } from "./step-context-impl.js";
import { schedule, type StepState } from "./scheduler.js";
import { NO_SPAN, type TraceSpan } from "./trace-span.js";

/**
 * An asset to select: its key, its definition (all its assets), or a multi-asset's `.out.<name>`.
 *
 * @example
 * ```ts
 * const selection: AssetSelector[] = ["sales/orders", complexAsset, myMultiAsset.out.asset_one];
 * ```
 */
export type AssetSelector = AssetKeyInput | AssetsDefinition | AssetOutputRef<unknown>;

/**
 * How a run ended.
 *
 * @example
 * ```ts
 * const finished = (status: RunStatus) => status !== "CANCELED";
 * ```
 */
export type RunStatus = TerminalRunStatus;

/**
 * Options of {@link executeRun}.
 *
 * @example
 * ```ts
 * const options: ExecuteRunOptions = { runId: claimed.id, plan: { stepKeys: claimed.stepKeys }, sink: report, concurrency: 4 };
 * ```
 */
export interface ExecuteRunOptions extends PartitionRequest {
  /** Defaults to a random UUID. */
  runId?: string;
  /** Assets to materialize (default: all). Excludes `stepKeys`, `plan` and `parentRun`. */
  selection?: readonly AssetSelector[];
  /** Whether the selection's check steps run after their assets (default true). */
  includeChecks?: boolean;
  /** Checks to run alone, on their assets' stored values (check steps only). Excludes the other selections. */
  checks?: readonly (string | AssetCheckDefinition)[];
  /** Exact steps to run, every asset they output selected (with `parentRun` and "SELECTED_STEPS": the steps to re-execute). */
  stepKeys?: readonly string[];
  /**
   * The run exactly as the server planned it: its steps and assets and, for a re-execution,
   * the runs whose stored outputs inputs load (`reusedOutputs`). Nothing is re-planned here.
   */
  plan?: PlannedRun;
  /**
   * Re-execute this earlier run, planning it here from its events, following `strategy` (default
   * "FROM_FAILURE"); with "SELECTED_STEPS", the parent's steps named in `stepKeys`.
   */
  parentRun?: { events: readonly RunEvent[] };
  strategy?: ReexecutionStrategy;
  /** Receives every event in order; a returned promise delays the next delivery, not the run. */
  sink?: EventSink;
  /** Aborting it cancels the run: no new step starts, running ones see `ctx.signal` abort. */
  signal?: AbortSignal;
  /** Steps running at once. Defaults to 8. */
  concurrency?: number;
  clock?: Clock;
  /** Randomness for retry jitter, in [0, 1). Defaults to `Math.random`. */
  random?: () => number;
  /**
   * The span each step's span nests under (the location worker's run span when it exports
   * traces). Default: no tracing.
   * @internal
   */
  trace?: TraceSpan;
}

/**
 * What {@link executeRun} resolves to.
 *
 * @example
 * ```ts
 * const outcome: RunOutcome = await executeRun(defs);
 * const failed = Object.entries(outcome.steps).filter(([, state]) => state === "failed");
 * ```
 */
export interface RunOutcome {
  runId: string;
  status: RunStatus;
  success: boolean;
  /** How each selected step ended; "not_started" after a cancellation or a resource failure. */
  steps: Record<string, StepState>;
}

/** Hooks for `materialize`, which keeps events and values in memory. @internal */
export interface RunHooks {
  collect: boolean;
  onOutput: RunState["onOutput"];
}

function selectorKeys(selector: AssetSelector): string[] {
  if (selector instanceof AssetsDefinition) return selector.keys;
  if (selector instanceof AssetOutputRef) return [assetKeyToString(selector.key)];
  return [assetKeyToString(parseAssetKey(selector, "selection"))];
}

const NO_LINEAGE: RunLineage = { parentRunId: null, rootRunId: null, strategy: null, reusedOutputs: [] };

function planSelection(definitions: Definitions, options: ExecuteRunOptions): { selection: RunSelection; lineage: RunLineage } {
  const manifest = definitions.plan.manifest;
  // SELECTED_STEPS re-executes `stepKeys` of `parentRun`: the two go together.
  const selectedSteps = options.parentRun && options.strategy === "SELECTED_STEPS" ? (options.stepKeys ?? []) : undefined;
  const given = [options.selection, selectedSteps ? undefined : options.stepKeys, options.plan, options.parentRun, options.checks].filter(
    (o) => o !== undefined,
  ).length;
  if (given > 1) throw new TypeError("executeRun takes at most one of selection, stepKeys, plan, parentRun and checks");
  if (options.plan) return selectPlannedRun(manifest, options.plan);
  if (options.parentRun) {
    const strategy = options.strategy ?? "FROM_FAILURE";
    const { stepKeys, assetKeys, ...lineage } = planReexecution(manifest, options.parentRun.events, strategy, selectedSteps);
    return { selection: { stepKeys, assetKeys }, lineage };
  }
  if (options.stepKeys) return { selection: selectSteps(manifest, options.stepKeys), lineage: NO_LINEAGE };
  if (options.checks) {
    const keys = options.checks.map((c) => (c instanceof AssetCheckDefinition ? c.key : c));
    return { selection: selectChecks(manifest, keys), lineage: NO_LINEAGE };
  }
  const keys = options.selection ? options.selection.flatMap(selectorKeys) : null;
  return { selection: resolveSelection(manifest, keys, { includeChecks: options.includeChecks ?? true }), lineage: NO_LINEAGE };
}

/** Shared by `executeRun` and `materialize`. @internal */
export async function runExecution(
  definitions: Definitions,
  options: ExecuteRunOptions,
  hooks: RunHooks,
): Promise<{ outcome: RunOutcome; events: RunEvent[] | null }> {
  const { selection, lineage } = planSelection(definitions, options);
  const runId = options.runId ?? randomUUID();
  const clock = options.clock ?? systemClock;
  const partitions = resolveRunPartitions(
    selection.stepKeys.map((key) => definitions.plan.step(key)),
    options,
    new Date(clock.now()),
  );
  const controller = new AbortController();
  // Every running step, and user code through ctx.signal, listens to this one signal.
  setMaxListeners(0, controller.signal);
  const cancel = () => controller.abort(options.signal?.reason);
  if (options.signal?.aborted) cancel();
  options.signal?.addEventListener("abort", cancel, { once: true });
  let sinkError: { error: unknown } | null = null;
  const log = new RunLog(clock, options.sink ?? null, hooks.collect, (error) => {
    sinkError = { error };
    controller.abort(error);
  });
  const plan = definitions.plan;
  const inRun = new Set(selection.stepKeys);
  const selectedAssets = new Set(selection.assetKeys);
  const selectedOutputs = new Map<string, string[]>();
  for (const key of selection.stepKeys) {
    selectedOutputs.set(
      key,
      plan
        .step(key)
        .outputs.filter((o) => o.assetKeyString === null || selectedAssets.has(o.assetKeyString))
        .map((o) => o.name),
    );
  }
  const started = clock.now();
  log.emit(
    "RUN_START",
    {
      runId,
      stepKeys: selection.stepKeys,
      assetKeys: selection.assetKeys,
      parentRunId: lineage.parentRunId,
      rootRunId: lineage.rootRunId,
      strategy: lineage.strategy,
      reusedOutputs: lineage.reusedOutputs,
    },
    { message: `run ${runId} started: ${selection.stepKeys.length} step(s)` },
  );

  const scope = new ResourceScope();
  const runLogger = stepLogger(log, undefined, undefined, () => false);
  const needed = new Set(selection.stepKeys.flatMap((key) => plan.step(key).resourceKeys));
  let runError: unknown = null;
  try {
    await scope.setup(definitions.resources, needed, { runId, log: runLogger, signal: controller.signal });
  } catch (error) {
    runError = error;
  }
  const outcomes = new Map<string, StepState>();
  const blocked = new Map<string, string[]>();
  if (runError === null && !controller.signal.aborted) {
    const run: RunState = {
      runId,
      plan,
      log,
      clock,
      random: options.random ?? Math.random,
      signal: controller.signal,
      slots: new Semaphore(Math.max(1, options.concurrency ?? 8), controller.signal),
      ioManagers: definitions.ioManagers,
      resources: scope.values,
      inRun,
      selectedOutputs,
      produced: new Map(),
      reused: new Map(lineage.reusedOutputs.map((r) => [`${r.stepKey}\u0000${r.output}`, r.runId])),
      partitions,
      onOutput: hooks.onOutput,
      blocked,
      trace: options.trace ?? NO_SPAN,
      turns: new LoopTurns(),
    };
    await schedule(
      run,
      plan.order.filter((key) => inRun.has(key)),
      outcomes,
    );
  }
  for (const error of await scope.teardown())
    runLogger.error(`resource teardown failed: ${(error as Error).message}`, { error: serializeError(error) });
  options.signal?.removeEventListener("abort", cancel);

  const steps: RunOutcome["steps"] = {};
  for (const key of selection.stepKeys) steps[key] = outcomes.get(key) ?? "not_started";
  const keysWith = (state: string) => selection.stepKeys.filter((k) => steps[k] === state);
  const failedSteps = keysWith("failed");
  const failedChecks = [...new Set([...blocked.values()].flat())].sort();
  let status: RunStatus;
  const durationMs = clock.now() - started;
  if (controller.signal.aborted) {
    status = "CANCELED";
    log.emit("RUN_CANCELED", { durationMs, notStartedSteps: keysWith("not_started") }, { message: `run ${runId} was canceled` });
  } else if (runError !== null || failedSteps.length > 0 || failedChecks.length > 0) {
    status = "FAILURE";
    const error = runError === null ? null : serializeError(runError);
    const reason = error ? "RUN_ERROR" : failedChecks.length > 0 ? "BLOCKING_CHECK_FAILED" : "STEP_FAILURE";
    const why = error
      ? error.message
      : failedChecks.length > 0
        ? `blocking check${failedChecks.length === 1 ? "" : "s"} ${failedChecks.join(", ")} failed`
        : `${failedSteps.join(", ")} failed`;
    log.emit(
      "RUN_FAILURE",
      { durationMs, failedSteps, skippedSteps: keysWith("skipped"), error, reason, failedChecks },
      { message: `run ${runId} failed: ${why}` },
    );
  } else {
    status = "SUCCESS";
    log.emit("RUN_SUCCESS", { durationMs }, { message: `run ${runId} succeeded` });
  }
  await log.flush();
  if (sinkError) throw (sinkError as { error: unknown }).error;
  return { outcome: { runId, status, success: status === "SUCCESS", steps }, events: log.events };
}

/**
 * Executes a run of a `Definitions` in this process: the lower-level entry a code-location
 * worker uses once it has claimed a run. Takes the steps from the server's `plan` (or plans
 * them from a selection, exact step keys, or a parent run to re-execute), runs them in dependency order with bounded concurrency,
 * retries them per their policies, and delivers every event to `sink` in order. Values go
 * through the definitions' IO managers. A partitioned run covers `partition` or
 * `partitionRange`. Resolves when the run has ended and the sink has every event; rejects only
 * for an invalid selection or partitions that do not fit it (before any event), or a failing sink.
 *
 * @example
 * ```ts
 * const outcome = await executeRun(defs, {
 *   runId: claimed.id,
 *   plan: { stepKeys: claimed.stepKeys, assetKeys: claimed.assetKeys, reusedOutputs: claimed.reusedOutputs },
 *   sink: (event) => reporter.push(event),
 *   signal: cancellation.signal,
 * });
 * outcome.status; // "SUCCESS" | "FAILURE" | "CANCELED"
 * ```
 */
export async function executeRun(definitions: Definitions, options: ExecuteRunOptions = {}): Promise<RunOutcome> {
  const { outcome } = await runExecution(definitions, options, { collect: false, onOutput: null });
  return outcome;
}
