import { DefinitionError } from "./definition-error.js";

/**
 * How a step is retried when it throws (Dagster's `RetryPolicy`). Delays are in milliseconds.
 *
 * The wait before retry `n` (1-based) is `delay` with `backoff: undefined`, `n × delay` with
 * `"linear"` and `(2ⁿ − 1) × delay` with `"exponential"`. Jitter then randomizes it: `"full"` picks
 * uniformly in `[0, wait]`, `"plusMinus"` adds a uniform offset in `[−delay, +delay]`.
 *
 * @example
 * ```ts
 * const flaky = asset("flaky", { retryPolicy: { maxRetries: 3, delay: 500, backoff: "exponential" } }, fetchIt);
 * // waits 500 ms, 1.5 s, then 3.5 s before retries 1, 2 and 3
 * ```
 */
export interface RetryPolicy {
  maxRetries: number;
  delay?: number;
  backoff?: "linear" | "exponential";
  jitter?: "full" | "plusMinus";
}

/** A retry policy with every field spelled out, as in the manifest. */
export interface NormalizedRetryPolicy {
  maxRetries: number;
  delay: number;
  backoff: "constant" | "linear" | "exponential";
  jitter: "none" | "full" | "plusMinus";
}

/** Validates a user's policy; `null` stays `null`. @internal */
export function normalizeRetryPolicy(policy: RetryPolicy | undefined | null, culprit: string): NormalizedRetryPolicy | null {
  if (policy === undefined || policy === null) return null;
  const fail = (detail: string): never => {
    throw new DefinitionError("invalid_option", culprit, `retryPolicy ${detail}`);
  };
  if (!Number.isInteger(policy.maxRetries) || policy.maxRetries < 0) fail("maxRetries must be a non-negative integer");
  if (policy.delay !== undefined && (!Number.isFinite(policy.delay) || policy.delay < 0))
    fail("delay must be a non-negative number of milliseconds");
  // As in Dagster: backoff and jitter modulate a delay, so without one they are a mistake.
  if (policy.delay === undefined && (policy.backoff !== undefined || policy.jitter !== undefined)) fail("backoff and jitter need a delay");
  if (policy.backoff !== undefined && policy.backoff !== "linear" && policy.backoff !== "exponential")
    fail(`backoff must be "linear" or "exponential"`);
  if (policy.jitter !== undefined && policy.jitter !== "full" && policy.jitter !== "plusMinus")
    fail(`jitter must be "full" or "plusMinus"`);
  return {
    maxRetries: policy.maxRetries,
    delay: policy.delay ?? 0,
    backoff: policy.backoff ?? "constant",
    jitter: policy.jitter ?? "none",
  };
}

/**
 * The wait before retry number `attempt` (1 for the first retry), following Dagster's formulas.
 * `random` returns a number in [0, 1).
 * @internal
 */
export function retryDelay(policy: NormalizedRetryPolicy, attempt: number, random: () => number): number {
  const base = policy.delay;
  let wait = policy.backoff === "linear" ? attempt * base : policy.backoff === "exponential" ? (2 ** attempt - 1) * base : base;
  if (policy.jitter === "full") wait = random() * wait;
  else if (policy.jitter === "plusMinus") wait = wait + (2 * random() * base - base);
  return Math.max(0, wait);
}
