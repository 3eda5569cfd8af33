import type { RunReport } from "@strata/sdk";
import type { Clock } from "../clock.js";
import { pause } from "./backoff.js";

/** Options of {@link RunLease}. @internal */
export interface RunLeaseOptions {
  /** Renews the lease (the server's heartbeatRun). */
  heartbeat(): Promise<RunReport>;
  isRetryable(error: unknown): boolean;
  onReport(report: RunReport): void;
  /** A heartbeat failed; `fatal` when retrying cannot fix it. */
  onError(error: unknown, fatal: boolean): void;
  clock: Clock;
  leaseSeconds: number;
}

/**
 * Keeps a claimed run's lease alive: a heartbeat every third of the lease, so two may fail
 * (a server restart, a network blip) before the run monitor presumes the worker dead. A failed
 * heartbeat is simply tried again at the next tick, a third of the lease later. The answer says
 * whether a cancellation was requested or the lease was lost; after a lost lease, or an error
 * retrying cannot fix, the lease stops beating.
 * @internal
 */
export class RunLease {
  readonly #options: RunLeaseOptions;
  readonly #stop = new AbortController();
  #beating: Promise<void> | null = null;

  constructor(options: RunLeaseOptions) {
    this.#options = options;
  }

  get intervalMs(): number {
    return Math.max(100, (this.#options.leaseSeconds * 1_000) / 3);
  }

  start(): void {
    this.#beating ??= this.#beat();
  }

  /** Stops beating; resolves once a heartbeat in flight has settled. */
  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#beating;
  }

  async #beat(): Promise<void> {
    const { clock } = this.#options;
    const stopped = this.#stop.signal;
    while (!stopped.aborted) {
      await pause(clock, this.intervalMs, stopped);
      if (stopped.aborted) return;
      let report: RunReport;
      try {
        report = await this.#options.heartbeat();
      } catch (error) {
        if (stopped.aborted) return;
        const fatal = !this.#options.isRetryable(error);
        this.#options.onError(error, fatal);
        if (fatal) return;
        continue;
      }
      if (stopped.aborted) return;
      this.#options.onReport(report);
      if (!report.held) return;
    }
  }
}
