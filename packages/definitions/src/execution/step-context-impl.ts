import type { RunLog } from "./run-log.js";
import type { AssetContext, LogLevel, Logger, MultiAssetContext, OpContext, PartitionContext } from "../authoring/step-context.js";
import type { StepSpec } from "../authoring/step-spec.js";
import { inChildSpan, NO_SPAN, type SpanAttributes, type TraceSpan } from "./trace-span.js";

/**
 * Builds a logger writing LOG events for a step (or for the run, without `stepKey`). Once
 * `isClosed()` is true (the step finished or was interrupted) its messages are dropped, so a
 * step that ignores cancellation cannot write into a finished run.
 * @internal
 */
export function stepLogger(log: RunLog, stepKey: string | undefined, assetKey: string | undefined, isClosed: () => boolean): Logger {
  const write = (level: LogLevel) => (message: string, extra?: Record<string, unknown>) => {
    if (isClosed()) return;
    log.emit(
      "LOG",
      { extra: extra ? (JSON.parse(JSON.stringify(extra)) as Record<string, unknown>) : null },
      { stepKey, assetKey, level, message: String(message) },
    );
  };
  return { debug: write("debug"), info: write("info"), warning: write("warning"), error: write("error") };
}

/**
 * The context of one attempt of one step; one object serves assets, multi-assets and ops.
 * @internal
 */
export class StepContext
  implements AssetContext<Record<string, never>>, MultiAssetContext<Record<string, never>>, OpContext<Record<string, never>>
{
  readonly runId: string;
  readonly stepKey: string;
  readonly retryNumber: number;
  readonly signal: AbortSignal;
  readonly log: Logger;
  readonly resources: Record<string, never>;
  readonly selectedAssetKeys: readonly string[];
  readonly selectedOutputNames: readonly string[];
  /** `selectedOutputNames` as a set: the runner looks each produced output up (10,000 outs: one look-up each, not a scan). */
  readonly selectedOutputSet: ReadonlySet<string>;
  /** `selectedAssetKeys` as a set, for the same reason. */
  readonly selectedAssetSet: ReadonlySet<string>;
  readonly partition: PartitionContext | null;
  closed = false;
  /** The step's span (tracing off: {@link NO_SPAN}); materializations and `ctx.span` nest under it. */
  readonly trace: TraceSpan;
  readonly #step: StepSpec;

  constructor(options: {
    runId: string;
    step: StepSpec;
    retryNumber: number;
    signal: AbortSignal;
    log: RunLog;
    resources: Record<string, unknown>;
    selectedOutputNames: readonly string[];
    partition: PartitionContext | null;
    trace?: TraceSpan;
  }) {
    const step = options.step;
    this.#step = step;
    this.runId = options.runId;
    this.stepKey = step.key;
    this.retryNumber = options.retryNumber;
    this.signal = options.signal;
    this.resources = options.resources as Record<string, never>;
    this.selectedOutputNames = options.selectedOutputNames;
    this.partition = options.partition;
    this.trace = options.trace ?? NO_SPAN;
    this.selectedAssetKeys = options.selectedOutputNames.flatMap((name) => {
      const key = step.outputsByName.get(name)?.assetKeyString;
      return key ? [key] : [];
    });
    this.selectedOutputSet = new Set(this.selectedOutputNames);
    this.selectedAssetSet = new Set(this.selectedAssetKeys);
    const single = step.kind === "asset" ? (step.outputs[0]?.assetKeyString ?? undefined) : undefined;
    this.log = stepLogger(options.log, step.key, single, () => this.closed);
  }

  span<T>(name: string, fn: () => T, attributes?: SpanAttributes): T {
    return inChildSpan(this.trace, name, attributes, fn);
  }

  get assetKey(): string {
    const step = this.#step;
    const key = step.kind === "asset" ? step.outputs[0]?.assetKeyString : step.kind === "check" ? step.checks[0]?.assetKeyString : null;
    if (!key)
      throw new Error(
        `ctx.assetKey is only defined for single assets; step "${this.stepKey}" may produce several, see ctx.selectedAssetKeys`,
      );
    return key;
  }

  /** For a check step: its check's key. */
  get checkKey(): string {
    const check = this.#step.kind === "check" ? this.#step.checks[0] : undefined;
    if (!check) throw new Error(`ctx.checkKey is only defined in a check's step; step "${this.stepKey}" is not one`);
    return check.key;
  }

  get opName(): string {
    return this.#step.opName ?? this.#step.key;
  }

  get graphName(): string {
    return this.#step.graph ?? "";
  }
}
