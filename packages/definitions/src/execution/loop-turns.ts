/**
 * How long a run's own code may go on without the event loop turning. Steps whose functions
 * never wait (in-memory values, quick transforms), and a step storing many outputs one after
 * another, would otherwise run as one chain of promise callbacks, and nothing else in the process
 * (the requests reporting their events, lease heartbeats, a cancellation arriving) would run
 * until the chain ended.
 */
export const SLICE_MS = 2;

/**
 * When the event loop last turned, as far as one run has seen: its scheduler (between steps) and
 * its steps' outputs (between outputs) share it, so a turn either of them saw counts for both.
 * @internal
 */
export class LoopTurns {
  #turnedAt = performance.now();
  #watching = false;

  /** Whether the run has gone on for SLICE_MS since the event loop last turned. */
  due(): boolean {
    return performance.now() - this.#turnedAt >= SLICE_MS;
  }

  /** Notes the event loop's next turn, without waiting for it. */
  watch(): void {
    if (this.#watching) return;
    this.#watching = true;
    setImmediate(() => {
      this.#watching = false;
      this.#turnedAt = performance.now();
    });
  }

  /** Calls `then` after the event loop has turned. */
  after(then: () => void): void {
    setImmediate(() => {
      this.#turnedAt = performance.now();
      then();
    });
  }

  /** Resolves after the event loop has turned when the slice is used up, else at once (null). */
  turnIfDue(): Promise<void> | null {
    if (!this.due()) {
      this.watch();
      return null;
    }
    return new Promise((resolve) => this.after(resolve));
  }
}
