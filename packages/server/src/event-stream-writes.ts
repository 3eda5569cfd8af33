import type { IncomingMessage, ServerResponse } from "node:http";

/** Whether a request asks for a Server-Sent Events answer (a subscription over SSE). */
export function wantsEventStream(req: IncomingMessage): boolean {
  return req.headers.accept?.includes("text/event-stream") ?? false;
}

/** Writes of a stream that are never held: its keep-alive comment and first events. */
const SENT_AT_ONCE = 16;

/**
 * An event stream's writes of one turn of the event loop go out together. yoga writes each
 * result of a subscription on its own, and each became a `writev` system call: a watcher of a
 * 10,000-materialization run cost the server ~16 µs an event in writes alone. Here the response
 * is corked at a turn's second write and uncorked when the turn is done (setImmediate: the promise
 * jobs that deliver the events run between ticks, so a tick is too short to gather them). The
 * stream's first SENT_AT_ONCE writes, and each turn's first, go out at once: a watcher opening a
 * run waits for its RUN_START, which held to the turn's end arrived ~2-6 ms later (W1).
 *
 * Past the socket's buffer a write answers false and yoga waits for `drain` before the next,
 * which the turn's end brings: memory stays bounded, and a watcher reading a long backlog gives
 * way to the server's other work every ~16 KB (the run's own reports above all). On W2's run of
 * 20,004 events with one watcher of all its fields: 18,000-31,000 events/s stored against
 * 8,000-12,000 with a write per event, in interleaved runs. Flushing sooner, every 8 KB held,
 * was no better than a write per event. A lone event leaves at once.
 */
export function coalesceWrites(res: ServerResponse): void {
  const write = res.write;
  let writes = 0;
  /** A write was made in this turn of the event loop (it went out at once). */
  let inTurn = false;
  let corked = false;
  const endTurn = () => {
    inTurn = false;
    if (!corked) return;
    corked = false;
    // end() has sent everything held already.
    if (!res.writableEnded) res.uncork();
  };
  res.write = function (this: ServerResponse, ...args: Parameters<ServerResponse["write"]>) {
    if (writes++ < SENT_AT_ONCE) return write.apply(this, args);
    if (!inTurn) {
      inTurn = true;
      setImmediate(endTurn);
    } else if (!corked && !res.writableEnded) {
      corked = true;
      res.cork();
    }
    return write.apply(this, args);
  } as ServerResponse["write"];
}
