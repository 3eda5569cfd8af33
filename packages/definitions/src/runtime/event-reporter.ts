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
  /** Events held before `push` asks the executor to wait (default 10,000). */
  maxBuffered?: number;
  backoff?: BackoffOptions;
  random?: () => number;
}

/**
 * Reports one run's events to the server in order, in batches: a batch leaves when the previous
 * request is answered (after `flushIntervalMs`, if set), when `maxBatch` events are waiting, or
 * at once for the run's last event. One request is in flight at a time, so batches arrive in seq order. When
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
  #buffer: RunEvent[] = [];
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

  constructor(options: RunEventReporterOptions) {
    this.#options = options;
    this.#flushIntervalMs = options.flushIntervalMs ?? 0;
    this.#maxBatch = options.maxBatch ?? 5000;
    this.#maxBuffered = options.maxBuffered ?? 10_000;
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
        const batch = this.#buffer.slice(0, this.#maxBatch);
        const sentAt = clock.now();
        let report: RunReport;
        try {
          this.requests++;
          report = await this.#options.send(batch);
        } catch (error) {
          if (this.#stopped) return;
          if (!this.#options.isRetryable(error)) {
            this.#stopped = true;
            this.#buffer = [];
            this.#options.onFatal(error);
            return;
          }
          const delayMs = backoffDelay(++attempt, this.#options.backoff ?? DEFAULT_BACKOFF, this.#options.random);
          this.#options.onRetry?.(error, attempt, delayMs);
          // A close() during the wait must not cut it short: the server is still away.
          await pause(clock, delayMs, this.#stop.signal);
          continue;
        }
        attempt = 0;
        if (this.#stopped) return;
        if (!report.held) {
          this.abandon();
          this.#options.onReport(report);
          return;
        }
        this.#buffer.splice(0, batch.length);
        this.delivered += batch.length;
        // What arrived during the request has waited at least since the batch left.
        this.#oldestSince = sentAt;
        if (this.#buffer.length < this.#maxBuffered) this.#releaseSpace();
        this.#options.onReport(report);
      }
    } finally {
      this.#pumping = null;
      this.#releaseSpace();
    }
  }

  #releaseSpace(): void {
    const waiters = this.#spaceWaiters;
    this.#spaceWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
