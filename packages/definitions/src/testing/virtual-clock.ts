import type { Clock } from "../execution/clock.js";

/**
 * A clock for tests: time only moves when someone sleeps, and sleeping returns at once after
 * recording the requested delay. Retry tests assert on `sleeps` instead of waiting.
 */
export class VirtualClock implements Clock {
  readonly sleeps: number[] = [];
  #now: number;

  constructor(start = 1_700_000_000_000) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw signal.reason;
    this.sleeps.push(ms);
    this.#now += ms;
  }
}
