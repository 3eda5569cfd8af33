/**
 * The run event stream, Dagster's event log in plain JSON. A run emits RUN_START, then step
 * events, then exactly one of RUN_SUCCESS, RUN_FAILURE or RUN_CANCELED. A step the cancellation
 * interrupted ends STEP_CANCELED, never STEP_FAILURE. `seq` starts at 1 and
 * increases by one per event of the run, so a receiver can store events idempotently and spot
 * gaps.
 */
import type { MetadataEntry } from "./metadata.js";
import type { LogLevel } from "./step-context.js";

/**
 * An error as plain data: what a STEP_FAILURE carries.
 *
 * @example
 * ```ts
 * const rootCause = (e: SerializedError): SerializedError => (e.cause ? rootCause(e.cause) : e);
 * ```
 */
export interface SerializedError {
  /** The error class, e.g. "UserCodeError", "TypeError". */
  name: string;
  message: string;
  stack: string | null;
  /** The wrapped error: for a `UserCodeError`, the user's own exception. */
  cause: SerializedError | null;
}

/**
 * Each event type's payload.
 *
 * @example
 * ```ts
 * const onRetry = (payload: RunEventPayloads["STEP_UP_FOR_RETRY"]) => console.log(`retry ${payload.retryNumber} in ${payload.delayMs} ms`);
 * ```
 */
export interface RunEventPayloads {
  RUN_START: {
    runId: string;
    stepKeys: string[];
    assetKeys: string[];
    parentRunId: string | null;
    rootRunId: string | null;
    strategy: string | null;
    /** Outputs of steps not run here that inputs load, and the run that stored each. */
    reusedOutputs: { stepKey: string; output: string; runId: string }[];
  };
  RUN_SUCCESS: { durationMs: number };
  RUN_FAILURE: { durationMs: number; failedSteps: string[]; skippedSteps: string[]; error: SerializedError | null };
  RUN_CANCELED: { durationMs: number; notStartedSteps: string[] };
  STEP_START: { retryNumber: number };
  STEP_RESTARTED: { retryNumber: number };
  STEP_OUTPUT: { outputName: string; assetKey: string | null; stored: boolean; metadata: Record<string, MetadataEntry> };
  ASSET_MATERIALIZATION: { assetKey: string; outputName: string; metadata: Record<string, MetadataEntry>; dataVersion: string | null };
  STEP_UP_FOR_RETRY: { retryNumber: number; delayMs: number; error: SerializedError };
  STEP_SUCCESS: { durationMs: number; retryNumber: number };
  STEP_FAILURE: {
    error: SerializedError;
    retryNumber: number;
    /** True when user code threw (as opposed to, say, a required output left out). */
    userCode: boolean;
    /** From a `Failure` the user threw. */
    description: string | null;
    metadata: Record<string, MetadataEntry>;
  };
  /**
   * The run was canceled while the step ran (or waited to retry): it stopped, and did not fail.
   * `error` says so, its `cause` being whatever the interrupted attempt threw, if anything.
   */
  STEP_CANCELED: { retryNumber: number; error: SerializedError };
  STEP_SKIPPED: {
    /** "upstream_failed": an upstream step failed or was skipped; "output_not_produced": an optional output was left out. */
    reason: "upstream_failed" | "output_not_produced";
    missing: { stepKey: string; output: string }[];
  };
  LOG: { extra: Record<string, unknown> | null };
}

/**
 * The type of a run event.
 *
 * @example
 * ```ts
 * const terminal: RunEventType[] = ["RUN_SUCCESS", "RUN_FAILURE", "RUN_CANCELED"];
 * ```
 */
export type RunEventType = keyof RunEventPayloads;

/**
 * Every event type, in no particular order; handy for validating events at an edge.
 *
 * @example
 * ```ts
 * const isEventType = (t: string): t is RunEventType => (RUN_EVENT_TYPES as readonly string[]).includes(t);
 * ```
 */
export const RUN_EVENT_TYPES: readonly RunEventType[] = [
  "RUN_START",
  "RUN_SUCCESS",
  "RUN_FAILURE",
  "RUN_CANCELED",
  "STEP_START",
  "STEP_RESTARTED",
  "STEP_OUTPUT",
  "ASSET_MATERIALIZATION",
  "STEP_UP_FOR_RETRY",
  "STEP_SUCCESS",
  "STEP_FAILURE",
  "STEP_CANCELED",
  "STEP_SKIPPED",
  "LOG",
];

/**
 * One event of a run. Narrow on `type` to get its payload's type.
 *
 * @example
 * ```ts
 * function onEvent(event: RunEvent) {
 *   if (event.type === "ASSET_MATERIALIZATION") console.log(event.payload.assetKey, event.payload.metadata);
 * }
 * ```
 */
export type RunEvent<T extends RunEventType = RunEventType> = T extends RunEventType
  ? {
      /** 1-based, strictly increasing within the run. */
      seq: number;
      type: T;
      /** Milliseconds since the epoch, from the run's clock. */
      timestamp: number;
      stepKey?: string;
      assetKey?: string;
      message?: string;
      level?: LogLevel;
      payload: RunEventPayloads[T];
    }
  : never;

/**
 * Receives a run's events, one at a time and in order; the next call waits for a returned promise.
 *
 * @example
 * ```ts
 * const sink: EventSink = async (event) => {
 *   await reporter.send(event); // idempotent on event.seq
 * };
 * ```
 */
export type EventSink = (event: RunEvent) => void | Promise<void>;
