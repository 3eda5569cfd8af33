import type { Clock } from "./clock.js";
import type { ExecutionPlan } from "./execution-plan.js";
import type { IOManager } from "../io/io-manager.js";
import type { RunLog } from "./run-log.js";
import type { StepPartitions } from "./run-partitions.js";
import type { Semaphore } from "./semaphore.js";
import type { TraceSpan } from "./trace-span.js";
import type { LoopTurns } from "./loop-turns.js";

/** What every step of one run shares. @internal */
export interface RunState {
  runId: string;
  plan: ExecutionPlan;
  log: RunLog;
  clock: Clock;
  random: () => number;
  /** Aborted on cancellation (or when the event sink fails). */
  signal: AbortSignal;
  slots: Semaphore;
  ioManagers: Readonly<Record<string, IOManager>>;
  resources: Readonly<Record<string, unknown>>;
  /** Steps executed by this run. */
  inRun: ReadonlySet<string>;
  /** Per step: the output names to produce (selected assets plus intermediate outputs). */
  selectedOutputs: ReadonlyMap<string, readonly string[]>;
  /** Per step: the outputs produced so far, across attempts. */
  produced: Map<string, Set<string>>;
  /** `stepKey\0output` → the earlier run that stored an output this run loads. */
  reused: ReadonlyMap<string, string>;
  /** Per step of the run: the partitions it materializes and loads. */
  partitions: ReadonlyMap<string, StepPartitions>;
  onOutput: ((stepKey: string, output: string, assetKey: string | null, value: unknown) => void) | null;
  /** Asset key → the blocking checks of it that failed in this run: steps reading it are skipped. */
  blocked: Map<string, string[]>;
  /** The run's span: each step opens a child span of it (tracing off: NO_SPAN). */
  trace: TraceSpan;
  /** When the event loop last turned: the scheduler and the steps' outputs let it turn (see SLICE_MS). */
  turns: LoopTurns;
}

/**
 * Whether this run is meant to produce an output: its step runs and, for an asset, the asset
 * is selected. Inputs from anything else are loaded from storage, as an earlier run left them.
 * @internal
 */
export function runProduces(run: RunState, stepKey: string, output: string): boolean {
  return run.inRun.has(stepKey) && (run.selectedOutputs.get(stepKey)?.includes(output) ?? false);
}
