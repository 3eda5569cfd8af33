import type { Clock } from "./clock.js";
import type { EventSink, RunEvent, RunEventPayloads, RunEventType } from "./events.js";
import type { LogLevel } from "../authoring/step-context.js";

/** The optional fields of an event. */
export interface EventFields {
  stepKey?: string;
  assetKey?: string;
  message?: string;
  level?: LogLevel;
}

/**
 * Deliveries that may queue behind a slow sink before steps wait for it (see `whenSinkCatchesUp`):
 * events are never dropped, so a sink that cannot keep up (a reporter whose server is away and
 * whose own buffer is full) must eventually slow the run down rather than let memory grow.
 */
const HIGH_WATER = 1_000;

/**
 * Numbers a run's events and delivers them to the sink in order. Emitting is synchronous, so
 * steps running side by side can never reorder `seq`; a slow sink delays delivery, not the run.
 * A failing sink aborts the run: events that cannot be reported must not be silently lost.
 * @internal
 */
export class RunLog {
  readonly events: RunEvent[] | null;
  #seq = 0;
  #tail: Promise<void> | null = null;
  #pending = 0;
  #sinkError: { error: unknown } | null = null;
  #waiters: (() => void)[] = [];

  constructor(
    private readonly clock: Clock,
    private readonly sink: EventSink | null,
    collect: boolean,
    private readonly onSinkError: (error: unknown) => void,
  ) {
    this.events = collect ? [] : null;
  }

  emit<T extends RunEventType>(type: T, payload: RunEventPayloads[T], fields?: EventFields): void {
    const event = { seq: ++this.#seq, type, timestamp: this.clock.now(), ...fields, payload } as RunEvent;
    this.events?.push(event);
    if (this.sink === null || this.#sinkError) return;
    if (this.#pending > 0) {
      this.#chain(() => this.sink!(event));
      return;
    }
    let result: void | Promise<void>;
    try {
      result = this.sink(event);
    } catch (error) {
      this.#fail(error);
      return;
    }
    if (result && typeof (result as Promise<void>).then === "function") this.#chain(() => result);
  }

  /** Resolves once the sink has received every event emitted so far; rejects if it failed. */
  async flush(): Promise<void> {
    while (this.#tail) await this.#tail;
    if (this.#sinkError) throw this.#sinkError.error;
  }

  /**
   * `null` while the sink keeps up; otherwise a promise that resolves once the queue of
   * undelivered events has halved (or the sink failed). Steps await it at safe points (before
   * they start, before they store an output), so the executor blocks on a slow sink only
   * beyond a bounded queue, never per event.
   */
  whenSinkCatchesUp(): Promise<void> | null {
    if (this.#pending < HIGH_WATER || this.#sinkError) return null;
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  #chain(deliver: () => void | Promise<void>): void {
    this.#pending++;
    const previous = this.#tail ?? Promise.resolve();
    const next = previous
      .then(() => (this.#sinkError ? undefined : deliver()))
      .catch((error: unknown) => this.#fail(error))
      .finally(() => {
        if (--this.#pending === 0 && this.#tail === next) this.#tail = null;
        if (this.#waiters.length > 0 && (this.#pending <= HIGH_WATER / 2 || this.#sinkError)) this.#release();
      });
    this.#tail = next;
  }

  #release(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const resolve of waiters) resolve();
  }

  #fail(error: unknown): void {
    if (this.#sinkError) return;
    this.#sinkError = { error };
    this.#release();
    this.onSinkError(error);
  }
}
