import type { StoredRunEvent } from "./run-events.js";

/** The first events kept of a run's log (RUN_START and what closely follows it). */
const MAX_EVENTS = 64;
/** Runs kept at most; past it, the one recorded first is dropped. */
const MAX_RUNS = 256;
/** How long a run's log start is kept after it began: it serves watchers who open as the run starts. */
const KEEP_MS = 60_000;

interface LogStart {
  /** Seqs 1 to `events.length`, in order: only ever a prefix of the run's log. */
  events: StoredRunEvent[];
  /** False once an event arrived that did not continue the prefix (published out of order, or its predecessor elsewhere). */
  growing: boolean;
  since: number;
}

/**
 * The start of each run's log as this server published it (RUN_START and up to MAX_EVENTS
 * events after it), for a minute: a client that launches a run and then opens its runEvents
 * stream gets the first events from here, not after a read of the database. On the W1 bench
 * (PostgreSQL, a separate location process), that read was 2-5 ms of the ~13 ms from launch to
 * RUN_START at the subscriber, under the load of the run it waited for.
 *
 * Only events already committed are recorded (they are published after their commit), and only
 * a run's log from seq 1 without a gap: what is kept is always exactly what the database holds
 * for those seqs. The stream still reads the database after these (runEventStream), for what
 * another replica stored and for the run's status.
 */
export class RecentRunLogs {
  readonly #runs = new Map<string, LogStart>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Records events of `runId` just published, in any order; what does not continue the kept prefix is not kept. */
  record(runId: string, events: readonly StoredRunEvent[]): void {
    let log = this.#runs.get(runId);
    if (!log) {
      if (!events.some((e) => e.seq === 1)) return;
      const now = this.#now();
      // Runs are kept in the order they began: the expired ones, and past MAX_RUNS the oldest, go first.
      for (const [id, kept] of this.#runs) {
        if (now - kept.since <= KEEP_MS && this.#runs.size < MAX_RUNS) break;
        this.#runs.delete(id);
      }
      log = { events: [], growing: true, since: now };
      this.#runs.set(runId, log);
    }
    if (!log.growing) return;
    for (const event of [...events].sort((a, b) => a.seq - b.seq)) {
      if (event.seq <= log.events.length) continue;
      if (event.seq !== log.events.length + 1 || log.events.length >= MAX_EVENTS) {
        log.growing = false;
        return;
      }
      log.events.push(event);
    }
  }

  /** The kept events of `runId` with seq > `after`, in order; empty when none are kept (or they expired). */
  after(runId: string, after: number): StoredRunEvent[] {
    const log = this.#runs.get(runId);
    if (!log) return [];
    if (this.#now() - log.since > KEEP_MS) {
      this.#runs.delete(runId);
      return [];
    }
    return log.events.slice(after);
  }

  /** Runs kept now (an expired one goes when asked for, or when a run begins after it). */
  get size(): number {
    return this.#runs.size;
  }
}
