import type { Logger } from "../logger.js";
import type { Sql } from "../db/sql.js";
import { onEachMessage, type StrataPubSub } from "../pubsub/pubsub.js";
import { advanceDueFreshness, type FreshnessChange, nextFreshnessTransition } from "./freshness-store.js";

/** Time and timers, injectable so tests can move time (see testing/manual-clock.ts). */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const timer = setTimeout(fn, ms);
    timer.unref();
    return timer;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Node's timers take at most 2^31 - 1 ms; a later transition is re-armed on the way. */
const MAX_DELAY_MS = 2 ** 31 - 1;

/** Published after commit when stored freshness changed schedule (a materialization, a registration). */
export const FRESHNESS_SCHEDULE_TOPIC = "freshnessScheduleChanged";

/** Publishes freshness changes, after the transaction that stored them committed. */
export function publishFreshness(pubsub: StrataPubSub["pubsub"], changes: readonly FreshnessChange[], rescheduled: boolean): void {
  for (const change of changes) pubsub.publish("freshnessChanged", change);
  if (rescheduled) pubsub.publish(FRESHNESS_SCHEDULE_TOPIC, {});
}

/**
 * One timer per server replica, armed for the earliest `nextTransitionAt` of all assets: when
 * it fires, the due assets are evaluated (once across replicas: advanceDueFreshness), their
 * changes published, and the timer armed again. Anything that moves the schedule (ingest,
 * registration) publishes FRESHNESS_SCHEDULE_TOPIC, and every replica re-reads the earliest.
 * No asset is polled.
 */
export class FreshnessService {
  private timer: unknown;
  private armedFor: number | null = null;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly listeners: Array<AsyncIterator<unknown>> = [];

  constructor(
    private readonly sql: Sql,
    private readonly pubsub: StrataPubSub["pubsub"],
    private readonly logger: Logger,
    private readonly clock: Clock = systemClock,
  ) {}

  async start(): Promise<void> {
    for (const topic of [FRESHNESS_SCHEDULE_TOPIC, "codeLocationChanged"]) {
      this.listeners.push(
        await onEachMessage(
          this.pubsub,
          topic,
          () => this.stopped,
          () => void this.rearm(),
        ),
      );
    }
    this.rearm();
    await this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.clock.clearTimeout(this.timer);
    await Promise.allSettled(this.listeners.map((l) => l.return?.()));
    await this.running;
  }

  /** Reads the earliest transition again and arms the timer for it (serialised with `fire`). */
  rearm(): Promise<void> {
    this.running = this.running
      .then(() => this.arm())
      .catch((error: unknown) => this.logger.error("arming the freshness timer failed", { error }));
    return this.running;
  }

  /** Resolves once pending work (a wake, a re-arm) is done: for tests. */
  idle(): Promise<void> {
    return this.running;
  }

  private async arm(): Promise<void> {
    if (this.stopped) return;
    const next = await nextFreshnessTransition(this.sql);
    if (next === this.armedFor && this.timer !== undefined) return;
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = next;
    if (next === null) return;
    const delay = Math.min(Math.max(0, next - this.clock.now()), MAX_DELAY_MS);
    this.logger.debug("freshness timer armed", { at: new Date(next).toISOString() });
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.armedFor = null;
      this.running = this.running
        .then(() => this.fire())
        .catch((error: unknown) => this.logger.error("freshness evaluation failed", { error }));
    }, delay);
  }

  private async fire(): Promise<void> {
    if (this.stopped) return;
    // At most a batch at a time; arming again finds any still due and fires at once.
    publishFreshness(this.pubsub, await advanceDueFreshness(this.sql, this.clock.now()), false);
    await this.arm();
  }
}
