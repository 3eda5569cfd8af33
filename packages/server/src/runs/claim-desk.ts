import type { ClaimedRun } from "./claim.js";

/** A worker of a code location long-polling claimRun on this server, as a launch may hand it a run. */
export interface WaitingWorker {
  workerId: string;
  leaseSeconds: number;
}

/**
 * A waiting worker a launch took: the launch stores its run claimed by that worker and settles
 * the hand-off with the run, or with null when it did not hand the run over (queued, another
 * run of the location waiting for a claim first, a refusal, an error). Settled exactly once.
 */
export interface HandOff {
  worker: WaitingWorker;
  settle(run: ClaimedRun | null): void;
}

interface Waiter {
  worker: WaitingWorker;
  /** Whether the worker may be handed a run now (it has not hung up; its token is known valid). */
  eligible(): boolean;
  taken: boolean;
  settle(run: ClaimedRun | null): void;
  outcome: Promise<ClaimedRun | null>;
  wake(): void;
}

/**
 * The workers long-polling claimRun on this server, by code location: a launch of that
 * location takes one and stores its run already claimed by it (STARTED, with its lease and
 * RUN_START) in the launch's own statement, instead of storing it STARTING and waking the worker
 * to claim it with a statement of its own (~4 ms of a run's start on the machines we measure
 * on). Workers waiting on other replicas are woken by RUN_AVAILABLE and claim as before.
 */
export class ClaimDesk {
  private readonly waiting = new Map<string, Set<Waiter>>();

  /**
   * Waits, as `worker` of `location`, until `woken` resolves or a launch hands the worker a run.
   * Answers that run, or null: woken, or taken by a launch that then kept its run (the worker
   * claims again at once). `eligible` is asked when a launch would take the worker.
   */
  async wait(location: string, worker: WaitingWorker, eligible: () => boolean, woken: Promise<void>): Promise<ClaimedRun | null> {
    let settle!: (run: ClaimedRun | null) => void;
    let wake!: () => void;
    const outcome = new Promise<ClaimedRun | null>((resolve) => (settle = resolve));
    const taken = new Promise<void>((resolve) => (wake = resolve));
    const waiter: Waiter = { worker, eligible, taken: false, settle, outcome, wake };
    let here = this.waiting.get(location);
    if (!here) this.waiting.set(location, (here = new Set()));
    here.add(waiter);
    try {
      await Promise.race([woken, taken]);
    } finally {
      here.delete(waiter);
      if (here.size === 0 && this.waiting.get(location) === here) this.waiting.delete(location);
    }
    // Taken while waking for another reason: the launch's outcome is this worker's all the same.
    return waiter.taken ? waiter.outcome : null;
  }

  /** Takes a worker of `location` waiting here (the longest waiting one that may take a run), or null. */
  take(location: string): HandOff | null {
    const here = this.waiting.get(location);
    if (!here) return null;
    for (const waiter of here) {
      if (!waiter.eligible()) continue;
      here.delete(waiter);
      if (here.size === 0) this.waiting.delete(location);
      waiter.taken = true;
      waiter.wake();
      let settled = false;
      return {
        worker: waiter.worker,
        settle: (run) => {
          if (settled) return;
          settled = true;
          waiter.settle(run);
        },
      };
    }
    return null;
  }

  /** How many workers wait here, for `location` or in all. */
  size(location?: string): number {
    if (location !== undefined) return this.waiting.get(location)?.size ?? 0;
    let n = 0;
    for (const here of this.waiting.values()) n += here.size;
    return n;
  }
}
