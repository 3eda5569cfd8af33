/**
 * The run event stream, Dagster's event log in plain JSON. A run emits RUN_START, then step
 * events, then exactly one of RUN_SUCCESS, RUN_FAILURE or RUN_CANCELED. A step the cancellation
 * interrupted ends STEP_CANCELED, never STEP_FAILURE. `seq` starts at 1 and increases by one per
 * event of the run, so a receiver can store events idempotently and spot gaps.
 *
 * Each payload is a zod schema here and its type is inferred from it: the executor produces
 * these, the server validates reports against them, the SDK hands them to its users typed.
 * Fields with a natural empty value (metadata, a null description) may be left out by a sender
 * and are filled in at parsing; the types describe payloads as parsed.
 */
import { z } from "zod";
import { CHECK_SEVERITIES, checkKeySchema } from "./checks.js";
import { assetKeySchema, isAssetKey } from "./names.js";
import { metadataSchema } from "./metadata.js";
import { serializedErrorSchema } from "./serialized-error.js";

const stepKey = z.string().min(1).max(1024);
const retryNumber = z.number().int().min(0);
const durationMs = z.number().min(0);

/** Why a run failed (RUN_FAILURE's `reason`). */
export const RUN_FAILURE_REASONS = ["STEP_FAILURE", "BLOCKING_CHECK_FAILED", "RUN_ERROR", "START_TIMEOUT", "WORKER_LOST"] as const;
export type RunFailureReason = (typeof RUN_FAILURE_REASONS)[number];

/** Every event type and its payload's schema. */
export const runEventPayloadSchemas = {
  RUN_START: z.object({
    runId: z.string(),
    stepKeys: z.array(stepKey),
    assetKeys: z.array(z.string()),
    parentRunId: z.string().nullable(),
    rootRunId: z.string().nullable(),
    /** The re-execution strategy, for a re-execution. */
    strategy: z.string().nullable(),
    /** Outputs of steps not run here that inputs load, and the run that stored each. */
    reusedOutputs: z.array(z.object({ stepKey, output: z.string(), runId: z.string() })),
  }),
  RUN_SUCCESS: z.object({ durationMs }),
  RUN_FAILURE: z.object({
    durationMs,
    failedSteps: z.array(stepKey).default([]),
    skippedSteps: z.array(stepKey).default([]),
    error: serializedErrorSchema.nullable().default(null),
    /**
     * Why the run failed: a step failed (`STEP_FAILURE`), a blocking check failed or threw
     * (`BLOCKING_CHECK_FAILED`, the checks in `failedChecks`), or the run could not execute its
     * steps at all (`RUN_ERROR`: a resource failed to set up, the plan does not fit the code; see
     * `error`); the server ended it because no worker claimed it in time (`START_TIMEOUT`) or its
     * worker stopped heartbeating (`WORKER_LOST`). `null` from senders older than checks.
     */
    reason: z.enum(RUN_FAILURE_REASONS).nullable().default(null),
    failedChecks: z.array(checkKeySchema).default([]),
  }),
  RUN_CANCELED: z.object({ durationMs, notStartedSteps: z.array(stepKey).default([]) }),
  STEP_START: z.object({ retryNumber }),
  STEP_RESTARTED: z.object({ retryNumber }),
  STEP_OUTPUT: z.object({
    outputName: z.string(),
    assetKey: assetKeySchema.nullable(),
    stored: z.boolean(),
    metadata: metadataSchema.default({}),
  }),
  ASSET_MATERIALIZATION: z.object({
    assetKey: assetKeySchema,
    outputName: z.string(),
    metadata: metadataSchema.default({}),
    dataVersion: z.string().nullable().default(null),
    /** The partition materialized, for a partitioned asset (a range run reports one per partition). */
    partition: z.string().max(1024).nullable().default(null),
  }),
  STEP_UP_FOR_RETRY: z.object({ retryNumber, delayMs: z.number().min(0), error: serializedErrorSchema }),
  STEP_SUCCESS: z.object({ durationMs, retryNumber }),
  STEP_FAILURE: z.object({
    error: serializedErrorSchema,
    retryNumber,
    /** True when user code threw (as opposed to, say, a required output left out). */
    userCode: z.boolean(),
    /** From a `Failure` the user threw. */
    description: z.string().nullable().default(null),
    metadata: metadataSchema.default({}),
  }),
  /**
   * The run was canceled while the step ran (or waited to retry): it stopped, and did not fail.
   * `error` says so, its `cause` being whatever the interrupted attempt threw, if anything.
   */
  STEP_CANCELED: z.object({ retryNumber, error: serializedErrorSchema }),
  STEP_SKIPPED: z.object({
    /**
     * "upstream_failed": an upstream step failed or was skipped; "output_not_produced": an
     * optional output was left out; "blocked_by_check": a blocking check of an asset it reads
     * failed (the checks in `blockedBy`).
     */
    reason: z.enum(["upstream_failed", "output_not_produced", "blocked_by_check"]),
    missing: z.array(z.object({ stepKey, output: z.string() })),
    blockedBy: z.array(checkKeySchema).default([]),
  }),
  /**
   * A check's result. `passed: false` with severity ERROR fails it, WARN warns. A check whose
   * function threw has `executionFailed` (and `error`), and counts as failed with ERROR. In-step
   * results target the materialization of the same step and partition, even when yielded before
   * the output (write-audit-publish).
   */
  ASSET_CHECK_EVALUATION: z.object({
    checkKey: checkKeySchema,
    assetKey: assetKeySchema,
    checkName: z.string(),
    passed: z.boolean(),
    severity: z.enum(CHECK_SEVERITIES).default("ERROR"),
    blocking: z.boolean().default(false),
    metadata: metadataSchema.default({}),
    description: z.string().max(100_000).nullable().default(null),
    partition: z.string().max(1024).nullable().default(null),
    executionFailed: z.boolean().default(false),
    error: serializedErrorSchema.nullable().default(null),
  }),
  LOG: z.object({ extra: z.record(z.string(), z.unknown()).nullable().default(null) }),
} as const;

/**
 * Each event type's payload.
 *
 * @example
 * ```ts
 * const onRetry = (payload: RunEventPayloads["STEP_UP_FOR_RETRY"]) => console.log(`retry ${payload.retryNumber} in ${payload.delayMs} ms`);
 * ```
 */
export type RunEventPayloads = { [T in RunEventType]: z.output<(typeof runEventPayloadSchemas)[T]> };

/**
 * The type of a run event.
 *
 * @example
 * ```ts
 * const terminal: RunEventType[] = ["RUN_SUCCESS", "RUN_FAILURE", "RUN_CANCELED"];
 * ```
 */
export type RunEventType = keyof typeof runEventPayloadSchemas;

/**
 * Every event type, in a fixed order (the GraphQL enum lists them in this order).
 *
 * @example
 * ```ts
 * const isEventType = (t: string): t is RunEventType => (RUN_EVENT_TYPES as readonly string[]).includes(t);
 * ```
 */
export const RUN_EVENT_TYPES = Object.keys(runEventPayloadSchemas) as readonly RunEventType[];

/** True when `type` names a run event type. */
export function isRunEventType(type: string): type is RunEventType {
  return Object.hasOwn(runEventPayloadSchemas, type);
}

/** A log line's level. */
export const LOG_LEVELS = ["debug", "info", "warning", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

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
 * Checks a payload against its event type's schema: the parsed payload (unknown fields a newer
 * sender added are kept), or the first problem, naming the field at fault.
 *
 * @example
 * ```ts
 * parseRunEventPayload("STEP_START", { retryNumber: -1 });
 * // { ok: false, problem: "STEP_START payload.retryNumber: Too small: expected number to be >=0" }
 * ```
 */
export function parseRunEventPayload<T extends RunEventType>(
  type: T,
  payload: unknown,
): { ok: true; payload: RunEventPayloads[T] } | { ok: false; problem: string } {
  const plain = plainOutputPayload(type, payload);
  if (plain) return { ok: true, payload: plain as RunEventPayloads[T] };
  const result = runEventPayloadSchemas[type].safeParse(payload);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    return { ok: false, problem: `${type} payload${issue.path.length ? `.${issue.path.join(".")}` : ""}: ${issue.message}` };
  }
  const kept = payload !== null && typeof payload === "object" ? payload : {};
  return { ok: true, payload: { ...kept, ...result.data } as RunEventPayloads[T] };
}

/** Whether `value` is an object literal's kind (what JSON.parse makes of an object), not null, an array or a class instance. @internal */
export const isPlainRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype;

/** `metadata` as the schema's default makes it: absent, or given empty. Anything else is for metadataSchema to judge. */
const noMetadata = (metadata: unknown) => metadata === undefined || (isPlainRecord(metadata) && Object.keys(metadata).length === 0);

/**
 * A string, null, or absent (then null), as `z.string().max(max).nullable().default(null)` gives
 * it; undefined when it is none of these. @internal
 */
export function nullableText(value: unknown, max: number): string | null | undefined {
  if (value === undefined || value === null) return null;
  return typeof value === "string" && value.length <= max ? value : undefined;
}

/**
 * STEP_OUTPUT and ASSET_MATERIALIZATION payloads without metadata, a run's bulk (two per asset
 * materialized), checked field by field: what parseRunEventPayload gives through their schemas,
 * without them (the server's report.ts says what a report's events cost either way). Null for
 * anything else, or anything these checks are unsure of: the schema decides, and words the problem.
 */
function plainOutputPayload(type: RunEventType, payload: unknown): Record<string, unknown> | null {
  if (type !== "STEP_OUTPUT" && type !== "ASSET_MATERIALIZATION") return null;
  if (!isPlainRecord(payload) || !noMetadata(payload.metadata) || typeof payload.outputName !== "string") return null;
  const { assetKey } = payload;
  if (type === "STEP_OUTPUT") {
    if (typeof payload.stored !== "boolean" || (assetKey !== null && !(typeof assetKey === "string" && isAssetKey(assetKey)))) return null;
    // Already in its checked shape (what the SDK sends): the payload itself, not a copy of it.
    return payload.metadata !== undefined ? payload : { ...payload, metadata: {} };
  }
  if (typeof assetKey !== "string" || !isAssetKey(assetKey)) return null;
  const dataVersion = nullableText(payload.dataVersion, Number.POSITIVE_INFINITY);
  const partition = nullableText(payload.partition, 1024);
  if (dataVersion === undefined || partition === undefined) return null;
  if (payload.metadata !== undefined && payload.dataVersion === dataVersion && payload.partition === partition) return payload;
  return { ...payload, metadata: {}, dataVersion, partition };
}
