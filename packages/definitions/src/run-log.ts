import type { Clock } from "./clock.js";
import type { EventSink, RunEvent, RunEventPayloads, RunEventType } from "./events.js";
import type { LogLevel } from "./step-context.js";

/** The optional fields of an event. */
export interface EventFields {
  stepKey?: string;
  assetKey?: string;
  message?: string;
  level?: LogLevel;
}

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

  #chain(deliver: () => void | Promise<void>): void {
    this.#pending++;
    const previous = this.#tail ?? Promise.resolve();
    const next = previous
      .then(() => (this.#sinkError ? undefined : deliver()))
      .catch((error: unknown) => this.#fail(error))
      .finally(() => {
        if (--this.#pending === 0 && this.#tail === next) this.#tail = null;
      });
    this.#tail = next;
  }

  #fail(error: unknown): void {
    if (this.#sinkError) return;
    this.#sinkError = { error };
    this.onSinkError(error);
  }
}
