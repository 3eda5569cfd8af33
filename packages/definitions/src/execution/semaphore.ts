/**
 * Bounds how many steps run at once. A free slot is taken synchronously, so a chain of steps
 * pays nothing for the bound; waiters are served first come, first served. One abort listener
 * serves every waiter: a fan-out of thousands of steps must not add thousands of listeners.
 * @internal
 */
export class Semaphore {
  #free: number;
  #waiters: { resolve: (release: () => void) => void; reject: (reason: unknown) => void }[] = [];
  #head = 0;
  readonly #signal: AbortSignal;

  constructor(slots: number, signal: AbortSignal) {
    this.#free = slots;
    this.#signal = signal;
    signal.addEventListener(
      "abort",
      () => {
        const waiting = this.#waiters.slice(this.#head);
        this.#waiters = [];
        this.#head = 0;
        for (const waiter of waiting) waiter.reject(signal.reason);
      },
      { once: true },
    );
  }

  /** A release function once a slot is free; rejects when the run is canceled first. */
  acquire(): Promise<() => void> | (() => void) {
    if (this.#signal.aborted) return Promise.reject(this.#signal.reason);
    if (this.#free > 0) {
      this.#free--;
      return this.#releaser();
    }
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (this.#head < this.#waiters.length) {
        const next = this.#waiters[this.#head]!;
        this.#waiters[this.#head++] = undefined as never;
        if (this.#head > 1024 && this.#head * 2 > this.#waiters.length) {
          this.#waiters = this.#waiters.slice(this.#head);
          this.#head = 0;
        }
        next.resolve(this.#releaser());
      } else {
        this.#free++;
      }
    };
  }
}
