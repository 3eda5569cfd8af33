import type { Clock } from "../execution/clock.js";
import { backoffDelay, DEFAULT_BACKOFF, pause, type BackoffOptions } from "./backoff.js";

/** Options of {@link ClaimLoop}. @internal */
export interface ClaimLoopOptions<Run> {
  /** Claims the next waiting run, or `null` when none is; `signal` aborts a claim that waits. */
  claim(signal: AbortSignal): Promise<Run | null>;
  /**
   * How long `claim` itself waits for work on the server (a long poll), if it does. An empty
   * answer after that long is no reason to pause: the loop asks again at once.
   */
  claimWaitMs?: number;
  /** Executes a claimed run; the slot frees when the promise settles. */
  execute(run: Run): Promise<void>;
  /** Runs held at once. */
  concurrency: number;
  /** How often to look for work when nothing announced any (default 5 s). */
  pollIntervalMs?: number;
  isRetryable(error: unknown): boolean;
  /** A claim failed; the loop tries again after `delayMs`. */
  onError(error: unknown, delayMs: number): void;
  clock: Clock;
  backoff?: BackoffOptions;
  random?: () => number;
}

/**
 * Claims runs while there are free slots and work may be waiting. Work "may be waiting" at
 * start-up, when the server announces a run (`wake`), when a run ends (its slot frees), after a
 * claim that found a run (there may be more), and every `pollIntervalMs` as a fallback for
 * announcements missed while the subscription was down. Claims never overlap, so a burst of
 * announcements costs one claim per run plus one that finds nothing.
 * @internal
 */
export class ClaimLoop<Run> {
  readonly #options: ClaimLoopOptions<Run>;
  #wanted = true;
  #wake: AbortController | null = null;
  readonly #running = new Set<Promise<void>>();
  /** Runs claimed so far. */
  claimed = 0;

  constructor(options: ClaimLoopOptions<Run>) {
    this.#options = options;
  }

  get concurrency(): number {
    return this.#options.concurrency;
  }

  /** Runs executing now. */
  get active(): number {
    return this.#running.size;
  }

  /** Work may be waiting: claim as soon as a slot is free. */
  wake(): void {
    this.#wanted = true;
    this.#wake?.abort();
  }

  /** Claims until `signal` aborts; resolves then, without waiting for the runs it started. */
  async run(signal: AbortSignal): Promise<void> {
    const { clock } = this.#options;
    const onStop = () => this.#wake?.abort();
    signal.addEventListener("abort", onStop, { once: true });
    let failures = 0;
    try {
      while (!signal.aborted) {
        if (this.#wanted && this.active < this.#options.concurrency) {
          this.#wanted = false;
          let run: Run | null;
          const askedAt = clock.now();
          try {
            run = await this.#options.claim(signal);
            failures = 0;
          } catch (error) {
            if (signal.aborted) break;
            // A refused claim (a token without the scope) is not fixed by hammering the server either.
            const delayMs = this.#options.isRetryable(error)
              ? backoffDelay(++failures, this.#options.backoff ?? DEFAULT_BACKOFF, this.#options.random)
              : (this.#options.backoff ?? DEFAULT_BACKOFF).maxDelayMs;
            this.#options.onError(error, delayMs);
            await pause(clock, delayMs, signal);
            this.#wanted = true;
            continue;
          }
          // A run claimed while stopping is ours now: it runs (shutdown lets it finish or cancels it).
          if (run !== null) {
            this.#start(run);
            this.#wanted = true;
          } else if (this.#options.claimWaitMs && clock.now() - askedAt >= this.#options.claimWaitMs / 2) {
            // The server waited for us and nothing came: wait with it again.
            this.#wanted = true;
          }
          continue;
        }
        this.#wake = new AbortController();
        const woken = this.#wake.signal;
        // Asleep with free slots: poll. With every slot taken, only a finished run (or a stop) wakes us.
        const waitMs = this.active < this.#options.concurrency ? (this.#options.pollIntervalMs ?? 5_000) : 2 ** 31 - 1;
        await pause(clock, waitMs, woken);
        if (!woken.aborted && this.active < this.#options.concurrency) this.#wanted = true;
        this.#wake = null;
      }
    } finally {
      signal.removeEventListener("abort", onStop);
    }
  }

  /** Resolves once every run started so far has ended. */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
  }

  #start(run: Run): void {
    this.claimed++;
    const running: Promise<void> = Promise.resolve()
      .then(() => this.#options.execute(run))
      .catch(() => undefined)
      .finally(() => {
        this.#running.delete(running);
        this.wake();
      });
    this.#running.add(running);
  }
}
