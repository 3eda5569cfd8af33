/**
 * The run event stream is part of the wire contract and defined in @strata/protocol; the
 * executor's sink for it lives here.
 */
import type { RunEvent } from "@strata/protocol";

export { RUN_EVENT_TYPES, type RunEvent, type RunEventPayloads, type RunEventType, type SerializedError } from "@strata/protocol";

/**
 * Receives a run's events, one at a time and in order; the next call waits for a returned promise.
 *
 * @example
 * ```ts
 * const sink: EventSink = async (event) => {
 *   await reporter.send(event); // idempotent on event.seq
 * };
 * ```
 */
export type EventSink = (event: RunEvent) => void | Promise<void>;
