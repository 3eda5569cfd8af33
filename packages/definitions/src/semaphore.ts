/**
 * Bounds how many steps run at once. A free slot is taken synchronously, so a chain of steps
 * pays nothing for the bound; waiters are served first come, first served.
 * @internal
 */
export class Semaphore {
  #free: number;
  readonly #waiters: { grant: () => void; signal: AbortSignal; onAbort: () => void }[] = [];

  constructor(slots: number) {
    this.#free = slots;
  }

  /** Resolves with a release function once a slot is free; rejects when `signal` aborts first. */
  acquire(signal: AbortSignal): Promise<() => void> | (() => void) {
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.#free > 0) {
      this.#free--;
      return this.#releaser();
    }
    return new Promise((resolve, reject) => {
      const waiter = {
        signal,
        grant: () => {
          signal.removeEventListener("abort", waiter.onAbort);
          resolve(this.#releaser());
        },
        onAbort: () => {
          const index = this.#waiters.indexOf(waiter);
          if (index >= 0) this.#waiters.splice(index, 1);
          reject(signal.reason);
        },
      };
      signal.addEventListener("abort", waiter.onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiters.shift();
      if (next) next.grant();
      else this.#free++;
    };
  }
}
