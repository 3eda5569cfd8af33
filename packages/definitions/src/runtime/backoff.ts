import type { BackoffOptions } from "@strata/sdk";

export { backoffDelay, type BackoffOptions } from "@strata/sdk";

/** How a worker's loops wait between failed attempts at reaching the server. @internal */
export const DEFAULT_BACKOFF: BackoffOptions = { minDelayMs: 200, maxDelayMs: 5_000 };

/** Sleeps on `clock`, resolving (not rejecting) early when `signal` aborts. @internal */
export async function pause(
  clock: { sleep(ms: number, signal?: AbortSignal): Promise<void> },
  ms: number,
  signal?: AbortSignal,
): Promise<void> {
  try {
    await clock.sleep(ms, signal);
  } catch {
    // aborted: the caller checks its own state
  }
}
