import type { MetadataInput } from "./metadata.js";

/**
 * Throw from an asset or op to ask for another attempt, whatever its retry policy says
 * (Dagster's `RetryRequested`). `maxRetries` counts retries of this step in this run; `delay` is
 * in milliseconds.
 *
 * @example
 * ```ts
 * const prices = asset("prices", async () => {
 *   const response = await fetch(url);
 *   if (response.status === 429) throw new RetryRequested({ maxRetries: 3, delay: 1_000 });
 *   return response.json();
 * });
 * ```
 */
export class RetryRequested extends Error {
  override readonly name = "RetryRequested";
  readonly maxRetries: number;
  readonly delay: number;

  constructor(options: { maxRetries?: number; delay?: number; cause?: unknown; message?: string } = {}) {
    super(options.message ?? "retry requested", { cause: options.cause });
    this.maxRetries = options.maxRetries ?? 1;
    this.delay = options.delay ?? 0;
  }
}

/**
 * Throw from an asset or op to fail the step on purpose, with a description and metadata that
 * appear on its STEP_FAILURE event (Dagster's `Failure`). With `allowRetries: false` the step's
 * retry policy is ignored: use it for errors that another attempt cannot fix, such as bad input.
 *
 * @example
 * ```ts
 * const clean = asset("clean", { ins: { raw } }, ({ raw }) => {
 *   if (raw.length === 0) {
 *     throw new Failure({ description: "raw is empty", metadata: { rows: 0 }, allowRetries: false });
 *   }
 *   return raw.filter(Boolean);
 * });
 * ```
 */
export class Failure extends Error {
  override readonly name = "Failure";
  readonly description: string | null;
  readonly metadata: MetadataInput;
  readonly allowRetries: boolean;

  constructor(options: { description?: string; metadata?: MetadataInput; allowRetries?: boolean; cause?: unknown } = {}) {
    super(options.description ?? "step failed", { cause: options.cause });
    this.description = options.description ?? null;
    this.metadata = options.metadata ?? {};
    this.allowRetries = options.allowRetries ?? true;
  }
}

/** True for the errors a user throws to steer execution rather than to report a bug. @internal */
export function isControlFlow(error: unknown): error is RetryRequested | Failure {
  return error instanceof RetryRequested || error instanceof Failure;
}
