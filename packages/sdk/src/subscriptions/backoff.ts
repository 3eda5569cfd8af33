/**
 * How a dropped subscription reconnects.
 *
 * @example
 * ```ts
 * const client = createClient({ url, reconnect: { minDelayMs: 1_000, maxDelayMs: 60_000, maxAttempts: 20 } });
 * ```
 */
export interface ReconnectOptions {
  /** The first retry waits up to this long (default 500 ms); each further one doubles it. */
  minDelayMs?: number;
  /** No wait is longer than this (default 15 s). */
  maxDelayMs?: number;
  /** Consecutive failed attempts before the iterator throws (default: no limit). */
  maxAttempts?: number;
  /**
   * A connection that delivers nothing, not even the server's keep-alive ping (every 12 s),
   * for this long is presumed dead and replaced (default 45 s).
   */
  idleTimeoutMs?: number;
}

export const DEFAULT_RECONNECT: Required<ReconnectOptions> = {
  minDelayMs: 500,
  maxDelayMs: 15_000,
  maxAttempts: Number.POSITIVE_INFINITY,
  idleTimeoutMs: 45_000,
};

/** The bounds of an exponential backoff, in milliseconds. */
export interface BackoffOptions {
  /** The first retry waits up to this long. */
  minDelayMs: number;
  /** No wait is longer than this. */
  maxDelayMs: number;
}

/**
 * The wait before retry number `attempt` (1-based): exponential and capped, then jittered to
 * between half and all of that, so the clients one server restart dropped do not all come
 * back in the same millisecond. Workers use it too, for their reports and claims.
 *
 * @example
 * ```ts
 * backoffDelay(3, { minDelayMs: 200, maxDelayMs: 5_000 }); // between 400 and 800
 * ```
 */
export function backoffDelay(attempt: number, options: BackoffOptions, random = Math.random): number {
  const ceiling = Math.min(options.maxDelayMs, options.minDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
