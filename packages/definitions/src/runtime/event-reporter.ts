import { terminalStatusOf } from "@strata/protocol";
import type { RunReport } from "@strata/sdk";
import type { Clock } from "../execution/clock.js";
import type { RunEvent } from "../execution/events.js";
import { backoffDelay, DEFAULT_BACKOFF, pause, type BackoffOptions } from "./backoff.js";

/** Options of {@link RunEventReporter}. @internal */
export interface RunEventReporterOptions {
  /** Sends one batch (consecutive seqs, in order). Resending stored seqs is harmless. */
  send(events: readonly RunEvent[]): Promise<RunReport>;
  /** Whether a failed `send` may succeed later (an unreachable server) or never will (a refused token). */
  isRetryable(error: unknown): boolean;
  /** Every answer of the server, e.g. to notice `cancelRequested` or a lost lease. */
  onReport(report: RunReport): void;
  /** A send failed and will be retried after `delayMs`. */
  onRetry?(error: unknown, attempt: number, delayMs: number): void;
  /** A send failed in a way retrying cannot fix; nothing more is sent. */
  onFatal(error: unknown): void;
  clock: Clock;
  /**
   * How long an idle reporter holds a first event for others to share its request (default 0:
   * send at once). Batching needs no wait: what arrives while a request is in flight goes out
   * together in the next one, so batches grow exactly when events come faster than the server
   * answers, and the first event of a run reaches the server without delay.
   */
  flushIntervalMs?: number;
  /** Events per request at most (default 5,000, the most the server takes at once). */
  maxBatch?: number;
  /**
   * Requests in flight at most (default 2). A second one leaves only with a full batch, while
   * events come faster than the server answers: the server then parses it while the database
   * stores the first, and stores it right after, in seq order (a report waits for the run's row
   * lock its predecessor holds).
   */
  pipeline?: number;
  /** Events held before `push` asks the executor to wait (default `(pipeline + 1) × maxBatch`, 15,000). */
  maxBuffered?: number;
  backoff?: BackoffOptions;
  random?: () => number;
}

/** A request of a window (see #sendWindow): its events, when it left, whether another was ahead of it, its settled answer. */
interface InFlight {
  batch: RunEvent[];
  sentAt: number;
  behind: boolean;
  answer: Promise<{ report: RunReport } | { error: unknown }>;
}

const FULL = Symbol("full batch waiting");

/**
 * Reports one run's events to the server in order, in batches: a batch leaves when the previous
 * request is answered (after `flushIntervalMs`, if set), when `maxBatch` events are waiting, or
 * at once for the run's last event. While a request is in flight, only a full batch may follow it
 * (up to `pipeline` requests), and answers are taken in seq order; a request the server took
 * before its predecessor is refused for the gap and resent at once. When
 * the server cannot be reached the events stay buffered and the batch is retried with backoff,
 * so none is lost; the server ignores seqs it already stored, so a resend after an answer that
 * got lost is harmless. The buffer is bounded: beyond `maxBuffered` events, `push` returns a
 * promise, and the executor's event log makes steps wait for it (see `RunLog`).
 * @internal
 */
export class RunEventReporter {
  readonly #options: RunEventReporterOptions;
  readonly #flushIntervalMs: number;
  readonly #maxBatch: number;
  readonly #maxBuffered: number;
  readonly #pipeline: number;
  #buffer: RunEvent[] = [];
  /** How many of the buffer's first events are in flight. */
  #sent = 0;
  /** Set while a window of requests waits: called once a full batch is waiting behind them. */
  #onFull: (() => void) | null = null;
  #oldestSince = 0;
  #pumping: Promise<void> | null = null;
  #wake: AbortController | null = null;
  readonly #stop = new AbortController();
  #closing = false;
  #stopped = false;
  #spaceWaiters: (() => void)[] = [];
  /** Events the server acknowledged. */
  delivered = 0;
  /** Requests sent, failed ones included. */
  requests = 0;
  /** Requests that left while another was in flight (see `pipeline`). */
  pipelined = 0;

  constructor(options: RunEventReporterOptions) {
    this.#options = options;
    this.#flushIntervalMs = options.flushIntervalMs ?? 0;
    this.#maxBatch = options.maxBatch ?? 5000;
    this.#pipeline = Math.max(1, options.pipeline ?? 2);
    this.#maxBuffered = options.maxBuffered ?? (this.#pipeline + 1) * this.#maxBatch;
  }

  /** Events waiting to be acknowledged. */
  get buffered(): number {
    return this.#buffer.length;
  }

  /** Whether reporting ended early: the lease was lost, `abandon` was called, or sending failed for good. */
  get stopped(): boolean {
    return this.#stopped;
  }

  /** Takes an event; resolves a returned promise once the buffer has room again. */
  push(event: RunEvent): void | Promise<void> {
    if (this.#stopped) return;
    if (this.#buffer.length === 0) this.#oldestSince = this.#options.clock.now();
    this.#buffer.push(event);
    if (this.#urgent()) this.#wake?.abort();
    if (this.#onFull && this.#buffer.length - this.#sent >= this.#maxBatch) {
      const full = this.#onFull;
      this.#onFull = null;
      full();
    }
    this.#pumping ??= this.#pump();
    if (this.#buffer.length < this.#maxBuffered) return;
    return new Promise((resolve) => this.#spaceWaiters.push(resolve));
  }

  /** Sends everything buffered without waiting for more; resolves once acknowledged (or stopped). */
  async close(): Promise<void> {
    this.#closing = true;
    this.#wake?.abort();
    for (let pumping = this.#pumping; pumping; pumping = this.#pumping === pumping ? null : this.#pumping) await pumping;
  }

  /** Stops reporting and drops what is buffered: the run is no longer this worker's to report. */
  abandon(): void {
    this.#stopped = true;
    this.#buffer = [];
    this.#sent = 0;
    this.#wake?.abort();
    this.#stop.abort();
    this.#releaseSpace();
  }

  #urgent(): boolean {
    return this.#closing || this.#buffer.length >= this.#maxBatch || terminalStatusOf(this.#buffer.at(-1)?.type ?? "") !== null;
  }

  async #pump(): Promise<void> {
    const { clock } = this.#options;
    let attempt = 0;
    // Let events pushed in the same turn of the event loop share the first request.
    await null;
    try {
      while (this.#buffer.length > 0 && !this.#stopped) {
        const waited = clock.now() - this.#oldestSince;
        if (attempt === 0 && !this.#urgent() && waited < this.#flushIntervalMs) {
          this.#wake = new AbortController();
          await pause(clock, this.#flushIntervalMs - waited, this.#wake.signal);
          this.#wake = null;
          continue;
        }
        const failure = await this.#sendWindow(attempt > 0);
        if (failure === null) {
          attempt = 0;
          continue;
        }
        if (failure === "stopped") return;
        if (failure.resend) continue;
        if (!this.#options.isRetryable(failure.error)) {
          this.#stopped = true;
          this.#buffer = [];
          this.#options.onFatal(failure.error);
          return;
        }
        const delayMs = backoffDelay(++attempt, this.#options.backoff ?? DEFAULT_BACKOFF, this.#options.random);
        this.#options.onRetry?.(failure.error, attempt, delayMs);
        // A close() during the wait must not cut it short: the server is still away.
        await pause(clock, delayMs, this.#stop.signal);
      }
    } finally {
      this.#pumping = null;
      this.#sent = 0;
      this.#releaseSpace();
    }
  }

  /**
   * Sends the buffer's first batch and, while it is in flight, each full batch waiting behind it
   * (up to `pipeline` requests at once), then takes their answers in order. Returns null once
   * they were all acknowledged (or the buffer is empty), "stopped" when reporting ended, or the
   * first failure: after it, what is still in flight is awaited and ignored, and the caller
   * sends again from the oldest unacknowledged event. A failed request that was sent behind
   * another one is resent at once (`resend`), whatever its error: the server may have taken it
   * before its predecessor and refused it for the gap.
   */
  async #sendWindow(retrying: boolean): Promise<null | "stopped" | { error: unknown; resend: boolean }> {
    const flight: InFlight[] = [];
    const sendNext = () => {
      const batch = this.#buffer.slice(this.#sent, this.#sent + this.#maxBatch);
      this.#sent += batch.length;
      this.requests++;
      const answer = this.#options.send(batch).then(
        (report) => ({ report }),
        (error: unknown) => ({ error }),
      );
      if (flight.length > 0) this.pipelined++;
      flight.push({ batch, sentAt: this.#options.clock.now(), behind: flight.length > 0, answer });
    };
    sendNext();
    while (flight.length) {
      // A retry waits for its one request: the server may still be away.
      if (!retrying && flight.length < this.#pipeline && this.#buffer.length - this.#sent >= this.#maxBatch) {
        sendNext();
        continue;
      }
      const head = flight[0]!;
      // Waiting for the head's answer or, when another request may still leave, for a full batch.
      const outcome =
        retrying || flight.length >= this.#pipeline ? await head.answer : await Promise.race([head.answer, this.#fullBatch()]);
      this.#onFull = null;
      if (outcome === FULL) continue;
      flight.shift();
      if (this.#stopped) return "stopped";
      if ("error" in outcome) {
        await Promise.all(flight.map((f) => f.answer));
        this.#sent = 0;
        return this.#stopped ? "stopped" : { error: outcome.error, resend: head.behind };
      }
      const { report } = outcome;
      if (!report.held) {
        this.abandon();
        this.#options.onReport(report);
        return "stopped";
      }
      this.#buffer.splice(0, head.batch.length);
      this.#sent -= head.batch.length;
      this.delivered += head.batch.length;
      // What arrived during the request has waited at least since the batch left.
      this.#oldestSince = head.sentAt;
      if (this.#buffer.length < this.#maxBuffered) this.#releaseSpace();
      this.#options.onReport(report);
    }
    return null;
  }

  /** Resolves FULL once a full batch waits behind what is in flight (see push). */
  #fullBatch(): Promise<typeof FULL> {
    return new Promise((resolve) => (this.#onFull = () => resolve(FULL)));
  }

  #releaseSpace(): void {
    const waiters = this.#spaceWaiters;
    this.#spaceWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
