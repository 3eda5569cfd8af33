import { Failure, RetryRequested, isControlFlow } from "../authoring/control-flow.js";
import type { RunEventPayloads } from "./events.js";
import { serializeError } from "./serialize-error.js";
import type { InputContext, IOManager, OutputContext } from "../io/io-manager.js";
import { normalizeMetadata, type MetadataEntry } from "../authoring/metadata.js";
import { retryDelay } from "../authoring/retry-policy.js";
import { runProduces, type RunState } from "./run-state.js";
import { StepContext } from "./step-context-impl.js";
import { emitOutputs, StepOutputError, type ProducedOutput } from "./step-outputs.js";
import type { CheckResult, StepCheckSpec } from "../authoring/checks.js";
import type { SerializedError } from "@strata/protocol";
import type { StepInputSpec, StepSpec } from "../authoring/step-spec.js";
import { callUserCode, UserCodeError } from "./user-code-error.js";
import { inChildSpan, NO_SPAN, type TraceSpan } from "./trace-span.js";

/**
 * How a step ended. "canceled": the run was canceled while it ran or waited to retry;
 * "not_started": the run was canceled before it got a slot. @internal
 */
export type StepOutcome = "success" | "failed" | "canceled" | "not_started";

const LABEL = { asset: "asset", multi_asset: "multi-asset", op: "op", check: "check" } as const;

function describe(step: StepSpec): string {
  return `${LABEL[step.kind]} "${step.key}"`;
}

// Settles with `work`, or rejects as soon as `signal` aborts. A step that ignores cancellation
// keeps running in the background; its late result (or error) is observed and dropped here.
function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

/** Waits while the run's event sink lags far behind, or until the run is canceled. */
async function untilSinkCatchesUp(run: RunState): Promise<void> {
  const lagging = run.log.whenSinkCatchesUp();
  if (lagging && !run.signal.aborted) await raceAbort(lagging, run.signal).catch(() => undefined);
}

/**
 * Before an output is stored: the event log has room (untilSinkCatchesUp), and the event loop
 * has turned within SLICE_MS. A step storing 10,000 in-memory outputs emits 20,000 events in one
 * chain of callbacks (~100 ms); without the turns, the request reporting the first 5,000 could
 * not even be compressed and written until the step ended.
 */
async function beforeOutput(run: RunState): Promise<void> {
  await untilSinkCatchesUp(run);
  const turn = run.turns.turnIfDue();
  if (turn) await turn;
}

async function loadInput(run: RunState, step: StepSpec, input: StepInputSpec, ctx: StepContext): Promise<unknown> {
  const source = input.source;
  let upstreamRunId: string | null = null;
  if (source)
    upstreamRunId = runProduces(run, source.stepKey, source.output)
      ? run.runId
      : (run.reused.get(`${source.stepKey}\u0000${source.output}`) ?? null);
  const partitionKeys = run.partitions.get(step.key)?.inputKeys.get(input.name) ?? [];
  // A self-dependent asset's first partition (or a range run from it) has no earlier partition:
  // the input is undefined, as Dagster gives None, so `(previous ?? initial)` reads naturally.
  if (input.self && partitionKeys.length === 0) return undefined;
  // A partitioned upstream with no partition to read (windows dropped by allowNonexistentUpstream,
  // an empty dynamic definition): an empty record, as several partitions would be; no storage call.
  if (input.upstreamPartitions !== null && partitionKeys.length === 0) return {};
  const inputContext: InputContext = {
    runId: run.runId,
    stepKey: step.key,
    inputName: input.name,
    assetKey: input.assetKey,
    upstream: {
      runId: upstreamRunId,
      stepKey: source?.stepKey ?? (input.self ? step.key : null),
      outputName: source?.output ?? null,
      assetKey: input.assetKey,
    },
    partitionKeys,
    log: ctx.log,
  };
  return callIoManager(run, input.ioManagerKey, (io) => io.loadInput(inputContext));
}

/** Calls the run's IO manager `key` as user code (what it throws is the IO manager's error). */
function callIoManager<T>(run: RunState, key: string, call: (io: IOManager) => T | Promise<T>): Promise<T> {
  const io = run.ioManagers[key]!;
  return callUserCode({ kind: "io_manager", name: key }, () => call(io));
}

async function handleOutput(
  run: RunState,
  step: StepSpec,
  ctx: StepContext,
  produced: ProducedOutput,
  thisAttempt: Set<string>,
): Promise<void> {
  if (ctx.closed) return; // the step was interrupted: its late outputs are discarded
  await beforeOutput(run);
  const spec = step.outputsByName.get(produced.name);
  if (!spec) {
    throw new StepOutputError(
      `${describe(step)} produced an unknown output "${produced.name}"; its outputs are ${step.outputs.map((o) => `"${o.name}"`).join(", ")}`,
    );
  }
  if (!ctx.selectedOutputSet.has(produced.name)) {
    // A subset run: returning every output is the natural way to write a function, so the
    // unselected ones are dropped rather than treated as an error.
    if (step.kind === "multi_asset") ctx.log.debug(`output "${produced.name}" is not selected in this run; it was not stored`);
    return;
  }
  if (thisAttempt.has(produced.name)) throw new StepOutputError(`${describe(step)} produced output "${produced.name}" twice`);
  thisAttempt.add(produced.name);
  const assetKey = spec.assetKeyString;
  if (!assetKey) return storeOutput(run, step, ctx, produced, spec);
  // A span per materialization: storing the value is most of its cost.
  const single = run.partitions.get(step.key)?.outputKeys;
  const attributes = { "strata.asset_key": assetKey, ...(single?.length === 1 ? { "strata.partition": single[0]! } : {}) };
  return inChildSpan(ctx.trace, "asset.materialize", attributes, () => storeOutput(run, step, ctx, produced, spec));
}

async function storeOutput(
  run: RunState,
  step: StepSpec,
  ctx: StepContext,
  produced: ProducedOutput,
  spec: NonNullable<ReturnType<StepSpec["outputsByName"]["get"]>>,
): Promise<void> {
  let stored: Record<string, MetadataEntry> = {};
  // Op outputs inside a partitioned graph are per run; only assets are stored per partition.
  const partitionKeys = spec.assetKey ? (run.partitions.get(step.key)?.outputKeys ?? []) : [];
  if (produced.store) {
    const outputContext: OutputContext = {
      runId: run.runId,
      stepKey: step.key,
      outputName: spec.name,
      assetKey: spec.assetKey,
      definitionMetadata: spec.definitionMetadata,
      partitionKeys,
      log: ctx.log,
    };
    const handled = await callIoManager(run, spec.ioManagerKey, (io) => io.handleOutput(outputContext, produced.value));
    stored = normalizeMetadata(handled ? handled.metadata : undefined);
  }
  if (ctx.closed) return;
  const own = normalizeMetadata(produced.metadata);
  const metadata = own === stored ? own : { ...own, ...stored };
  let done = run.produced.get(step.key);
  if (!done) run.produced.set(step.key, (done = new Set()));
  done.add(spec.name);
  const assetKey = spec.assetKeyString;
  run.log.emit(
    "STEP_OUTPUT",
    { outputName: spec.name, assetKey, stored: produced.store, metadata },
    { stepKey: step.key, ...(assetKey ? { assetKey } : {}) },
  );
  if (assetKey) {
    // One materialization per partition, as the server keeps a status per partition.
    for (const partition of partitionKeys.length > 0 ? partitionKeys : [null]) {
      run.log.emit(
        "ASSET_MATERIALIZATION",
        { assetKey, outputName: spec.name, metadata, dataVersion: produced.dataVersion, partition },
        {
          stepKey: step.key,
          assetKey,
          message: partition === null ? `materialized ${assetKey}` : `materialized ${assetKey} [${partition}]`,
        },
      );
    }
  }
  run.onOutput?.(step.key, spec.name, assetKey, produced.value);
}

async function attempt(run: RunState, step: StepSpec, ctx: StepContext): Promise<void> {
  const values: unknown[] = [];
  for (const input of step.inputs) values.push(await loadInput(run, step, input, ctx));
  const result = await callUserCode(step.source, () => step.invoke(values, ctx));
  if (step.kind === "check") {
    recordCheck(run, step, step.checks[0]!, checkOutcome(step, await result), null);
    return;
  }
  const thisAttempt = new Set<string>();
  const checked = new Set<string>();
  await emitOutputs(
    step,
    result,
    (produced) => handleOutput(run, step, ctx, produced, thisAttempt),
    (generator) => callUserCode(step.source, () => generator.next()),
    (yielded) => inStepCheck(run, step, ctx, yielded, checked),
  );
  for (const name of ctx.selectedOutputNames) {
    if (!thisAttempt.has(name) && step.outputsByName.get(name)!.isRequired) {
      throw new StepOutputError(`${describe(step)} did not produce its required output "${name}"`);
    }
  }
  // Every declared check of a selected asset must report: a silent check would read as never run.
  const missing = step.checks.filter((c) => ctx.selectedAssetSet.has(c.assetKeyString) && !checked.has(c.key));
  if (missing.length > 0) {
    throw new StepOutputError(
      `${describe(step)} declares check${missing.length === 1 ? "" : "s"} ${missing.map((c) => `"${c.name}"`).join(", ")} but yielded no checkResult for ${missing.length === 1 ? "it" : "them"}`,
    );
  }
}

type CheckOutcome = { passed: boolean; severity: "WARN" | "ERROR"; metadata: Record<string, MetadataEntry>; description: string | null };

/** What a check function returned: `true`/`false`, `{ passed, severity?, metadata?, description? }` or a `checkResult`. */
function checkOutcome(step: StepSpec, value: unknown): CheckOutcome {
  if (typeof value === "boolean") return { passed: value, severity: "ERROR", metadata: {}, description: null };
  if (value !== null && typeof value === "object" && typeof (value as { passed?: unknown }).passed === "boolean") {
    const r = value as { passed: boolean; severity?: unknown; metadata?: Record<string, unknown>; description?: unknown };
    if (r.severity !== undefined && r.severity !== "WARN" && r.severity !== "ERROR") {
      throw new StepOutputError(`${describe(step)} returned severity ${JSON.stringify(r.severity)}; use "WARN" or "ERROR"`);
    }
    return {
      passed: r.passed,
      severity: (r.severity as "WARN" | "ERROR" | undefined) ?? "ERROR",
      metadata: normalizeMetadata(r.metadata, describe(step)),
      description: typeof r.description === "string" ? r.description : null,
    };
  }
  throw new StepOutputError(`${describe(step)} must return true, false or { passed, severity?, metadata?, description? }`);
}

/** A `checkResult` an asset's function yielded: it must name a check the asset declares. */
function inStepCheck(run: RunState, step: StepSpec, ctx: StepContext, yielded: CheckResult, checked: Set<string>): void {
  if (ctx.closed) return;
  const asset = yielded.asset === null ? null : yielded.asset.join("/");
  const spec = step.checks.find((c) => c.name === yielded.name && (asset === null || c.assetKeyString === asset));
  if (!spec) {
    const declared = step.checks.map((c) => `"${c.name}"`).join(", ") || "none";
    throw new StepOutputError(
      `${describe(step)} yielded a result for check "${yielded.name}", which it does not declare (declared: ${declared})`,
    );
  }
  // A subset run of a multi-asset: a check of an unselected asset is dropped, as its output is.
  if (!ctx.selectedAssetSet.has(spec.assetKeyString)) return;
  if (checked.has(spec.key)) throw new StepOutputError(`${describe(step)} yielded check "${spec.name}" twice`);
  checked.add(spec.key);
  recordCheck(run, step, spec, { ...yielded, metadata: normalizeMetadata(yielded.metadata, describe(step)) }, null);
}

/**
 * Reports a check's result (one per partition of the step) and, for a blocking check that failed
 * with ERROR or could not run, blocks the steps that read its asset.
 */
function recordCheck(run: RunState, step: StepSpec, spec: StepCheckSpec, outcome: CheckOutcome, error: SerializedError | null): void {
  const failedHard = error !== null || (!outcome.passed && outcome.severity === "ERROR");
  const partitions = run.partitions.get(step.key)?.outputKeys ?? [];
  const verdict = error ? "could not run" : outcome.passed ? "passed" : `failed (${outcome.severity})`;
  for (const partition of partitions.length > 0 ? partitions : [null]) {
    run.log.emit(
      "ASSET_CHECK_EVALUATION",
      {
        checkKey: spec.key,
        assetKey: spec.assetKeyString,
        checkName: spec.name,
        passed: outcome.passed,
        severity: outcome.severity,
        blocking: spec.blocking,
        metadata: outcome.metadata,
        description: outcome.description,
        partition,
        executionFailed: error !== null,
        error,
      },
      {
        stepKey: step.key,
        level: outcome.passed ? "info" : failedHard ? "error" : "warning",
        message: `check ${spec.key}${partition === null ? "" : ` [${partition}]`} ${verdict}${outcome.description ? `: ${outcome.description}` : ""}`,
      },
    );
  }
  if (spec.blocking && failedHard) run.blocked.set(spec.assetKeyString, [...(run.blocked.get(spec.assetKeyString) ?? []), spec.key]);
}

/** The wait before the next attempt, or `null` when the error must not be retried. */
function retryDecision(step: StepSpec, error: unknown, retryNumber: number, random: () => number): number | null {
  if (error instanceof RetryRequested) return retryNumber < error.maxRetries ? error.delay : null;
  if (error instanceof Failure && !error.allowRetries) return null;
  const policy = step.retryPolicy;
  if (!policy || retryNumber >= policy.maxRetries) return null;
  return retryDelay(policy, retryNumber + 1, random);
}

function failurePayload(
  step: StepSpec,
  error: unknown,
  retryNumber: number,
): { payload: RunEventPayloads["STEP_FAILURE"]; message: string } {
  let presented: unknown = error;
  // Failure and RetryRequested skip the user-code boundary on purpose; name the step here too.
  if (isControlFlow(error)) presented = new UserCodeError(step.source, error);
  const failure = error instanceof Failure ? error : null;
  const serialized = serializeError(presented);
  return {
    message: serialized.message,
    payload: {
      error: serialized,
      retryNumber,
      userCode: error instanceof UserCodeError || isControlFlow(error),
      description: failure?.description ?? null,
      metadata: normalizeMetadata(failure?.metadata),
    },
  };
}

/**
 * Runs one step to its end: attempts, retries with their delays, and every step event. Never
 * throws; the outcome says how it ended.
 * @internal
 */
export async function runStep(run: RunState, step: StepSpec): Promise<StepOutcome> {
  if (run.trace === NO_SPAN) return runAttempts(run, step, () => NO_SPAN);
  // One span per step across its attempts, opened when it first starts (not while it waits for a slot).
  let span: TraceSpan | null = null;
  const open = () =>
    (span ??= run.trace.child("step", {
      "strata.step_key": step.key,
      "strata.step_kind": step.kind,
      "strata.asset_keys": step.outputs.flatMap((o) => (o.assetKeyString ? [o.assetKeyString] : [])),
    }));
  try {
    return await runAttempts(run, step, open);
  } finally {
    (span as TraceSpan | null)?.end();
  }
}

async function runAttempts(run: RunState, step: StepSpec, openSpan: () => TraceSpan): Promise<StepOutcome> {
  const fields = { stepKey: step.key };
  const fail = (error: unknown, retryNumber: number): StepOutcome => {
    openSpan().fail(error);
    const { payload, message } = failurePayload(step, error, retryNumber);
    // A check that could not run is a result too: failed, and blocking when its check blocks.
    if (step.kind === "check") {
      const outcome = { passed: false, severity: "ERROR" as const, metadata: {}, description: payload.description ?? message };
      recordCheck(run, step, step.checks[0]!, outcome, payload.error);
    }
    run.log.emit("STEP_FAILURE", payload, { ...fields, message });
    return "failed";
  };
  // Interrupted by the run's cancellation: the step stopped, it did not fail.
  const cancel = (cause: unknown, retryNumber: number): StepOutcome => {
    const error = serializeError(new Error(`${describe(step)} was interrupted: the run was canceled`, { cause }));
    run.log.emit("STEP_CANCELED", { retryNumber, error }, { ...fields, level: "warning", message: error.message });
    return "canceled";
  };
  const selectedOutputNames = run.selectedOutputs.get(step.key) ?? [];
  for (let retryNumber = 0; ; retryNumber++) {
    await untilSinkCatchesUp(run);
    let release: () => void;
    try {
      release = await run.slots.acquire();
    } catch (error) {
      return retryNumber === 0 ? "not_started" : cancel(error, retryNumber);
    }
    if (run.signal.aborted) {
      release();
      return retryNumber === 0 ? "not_started" : cancel(run.signal.reason, retryNumber);
    }
    const started = run.clock.now();
    if (retryNumber === 0) run.log.emit("STEP_START", { retryNumber }, { ...fields, message: `started ${describe(step)}` });
    else run.log.emit("STEP_RESTARTED", { retryNumber }, { ...fields, message: `restarted ${describe(step)} (retry ${retryNumber})` });
    const span = openSpan();
    const ctx = new StepContext({
      trace: span,
      runId: run.runId,
      step,
      retryNumber,
      signal: run.signal,
      log: run.log,
      resources: run.resources,
      selectedOutputNames,
      partition: run.partitions.get(step.key)?.context ?? null,
    });
    let error: unknown = null;
    let failed = false;
    try {
      await raceAbort(
        span.activate(() => attempt(run, step, ctx)),
        run.signal,
      );
    } catch (thrown) {
      failed = true;
      error = thrown;
    } finally {
      ctx.closed = true;
      release();
    }
    if (!failed) {
      run.log.emit(
        "STEP_SUCCESS",
        { durationMs: run.clock.now() - started, retryNumber },
        { ...fields, message: `${describe(step)} succeeded` },
      );
      return "success";
    }
    if (run.signal.aborted) return cancel(error, retryNumber);
    const delay = retryDecision(step, error, retryNumber, run.random);
    if (delay === null) return fail(error, retryNumber);
    const { payload } = failurePayload(step, error, retryNumber);
    run.log.emit(
      "STEP_UP_FOR_RETRY",
      { retryNumber: retryNumber + 1, delayMs: delay, error: payload.error },
      { ...fields, message: `${describe(step)} failed and will be retried in ${delay} ms: ${payload.error.message}` },
    );
    try {
      await run.clock.sleep(delay, run.signal);
    } catch (aborted) {
      return cancel(aborted, retryNumber + 1);
    }
  }
}
