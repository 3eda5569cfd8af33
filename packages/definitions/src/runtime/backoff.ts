/** How a loop waits between failed attempts at reaching the server. @internal */
export interface BackoffOptions {
  /** The first retry waits up to this long. */
  minDelayMs: number;
  /** No wait is longer than this. */
  maxDelayMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { minDelayMs: 200, maxDelayMs: 5_000 };

/**
 * The wait before retry number `attempt` (1-based): exponential and capped, then jittered to
 * between half and all of it, so the replicas a server restart cut off do not all come back in
 * the same millisecond.
 * @internal
 */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxDelayMs, options.minDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Sleeps on `clock`, resolving (not rejecting) early when `signal` aborts. @internal */
export async function pause(clock: { sleep(ms: number, signal?: AbortSignal): Promise<void> }, ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await clock.sleep(ms, signal);
  } catch {
    // aborted: the caller checks its own state
  }
}
