import type { RunReport } from "@strata/sdk";
import type { Clock } from "../execution/clock.js";
import { pause } from "./backoff.js";

/** The lease a worker asks for unless told otherwise. */
export const DEFAULT_LEASE_SECONDS = 30;
/** The longest lease the server grants. */
export const MAX_LEASE_SECONDS = 3600;

/**
 * The lease a worker asks for: the explicit option, else `STRATA_RUN_LEASE_SECONDS` from its
 * environment (read once, at start-up), else 30 s. Each must be a whole number of seconds from
 * 1 to 3,600, as the server accepts; anything else is refused at start-up, naming its source.
 * @internal
 */
export function resolveLeaseSeconds(explicit: number | undefined, env: Record<string, string | undefined> = process.env): number {
  const [value, source] =
    explicit !== undefined
      ? [explicit, "leaseSeconds"]
      : env.STRATA_RUN_LEASE_SECONDS
        ? [Number(env.STRATA_RUN_LEASE_SECONDS), "STRATA_RUN_LEASE_SECONDS"]
        : [DEFAULT_LEASE_SECONDS, "default"];
  if (!(Number.isInteger(value) && value >= 1 && value <= MAX_LEASE_SECONDS)) {
    throw new TypeError(
      `${source} must be a whole number of seconds from 1 to ${MAX_LEASE_SECONDS} (got ${source === "leaseSeconds" ? value : env.STRATA_RUN_LEASE_SECONDS})`,
    );
  }
  return value;
}

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
