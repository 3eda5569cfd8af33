import { setMaxListeners } from "node:events";
import { createPubSub, type PubSub } from "graphql-yoga";
import { redactUrl } from "../redact-url.js";
import { RecentRunLogs } from "../runs/recent-run-logs.js";
import type { StoredRunEvent } from "../runs/run-events.js";
import { DEFAULT_MAX_SUBSCRIPTIONS_PER_TOKEN, SubscriptionBudget } from "./subscription-budget.js";

/** What subscriptions listen to. Payloads are small and plain: subscribers load the rest. */
export interface StrataEvents {
  /** A materialization was stored. */
  assetMaterialized: [{ materializationId: string; assetKey: string }];
  /** A check result was stored (a run's, or reported outside runs). */
  assetCheckEvaluated: [{ executionId: string; checkKey: string; assetKey: string }];
  /** An asset's freshness state changed (freshness/freshness-store.ts). */
  freshnessChanged: [{ assetKey: string; state: string }];
  /** Stored freshness schedules moved: each replica re-arms its freshness timer. */
  freshnessScheduleChanged: [Record<string, never>];
  /** A code location registered, changed status, or heartbeated after a silence. */
  codeLocationChanged: [{ name: string; change: "REGISTERED" | "UPDATED" | "LOAD_ERROR" }];
  /** Events stored for a run, in seq order, one message per report. */
  runEvents: [runId: string, payload: { events: StoredRunEvent[] }];
  /** A run changed status. */
  runStatusChanged: [{ runId: string; status: string }];
  /** A backfill's chunks or status changed (a run of it ended, it was launched or canceled). */
  backfillChanged: [{ backfillId: string }];
  /** An automation tick (conditions, schedule or sensor) ended: committed SUCCESS, SKIPPED or FAILURE. */
  tickCompleted: [{ tickId: string; location: string }];
  /** Work for a location's workers: a run to claim, or a run to cancel. */
  /** SENSOR_TICK: a sensor tick waits for a worker (`runId` carries the tick's id). */
  /** SCHEDULE_TICK: a schedule function's tick waits for a worker (`runId` carries the tick's id). */
  runRequests: [location: string, payload: { kind: "RUN_AVAILABLE" | "CANCEL_REQUESTED" | "SENSOR_TICK" | "SCHEDULE_TICK"; runId: string }];
  [topic: string]: [unknown] | [string, unknown];
}

/** yoga's pub/sub, and a way to subscribe that cannot miss what is published meanwhile. */
export interface StrataPubSubApi extends PubSub<StrataEvents> {
  /**
   * Subscribes now, not at the first `next()` as `pubsub.subscribe` does, and resolves once
   * every event published from then on is sure to arrive (with Redis: once the SUBSCRIBE is
   * confirmed). Read stored state after this resolves and nothing falls in between.
   */
  listen<Topic extends keyof StrataEvents & string>(...args: ListenArgs<Topic>): Promise<AsyncIterator<ListenPayload<Topic>>>;
  /** Open subscriptions per token on this process (see guarded-subscription.ts). */
  readonly budget: SubscriptionBudget;
  /** The start of each run's log this process published on `runEvents` lately (see RecentRunLogs). */
  readonly recentRunEvents: RecentRunLogs;
}

export interface StrataPubSub {
  readonly pubsub: StrataPubSubApi;
  /** "memory" or "redis". */
  readonly transport: "memory" | "redis";
  close(): Promise<void>;
}

/**
 * A background service's wake-up: listens to `topic` now (see `listen`), then calls `onMessage`
 * for each message until `stopped()` or the returned iterator's `return()`.
 */
export async function onEachMessage(
  pubsub: StrataPubSubApi,
  topic: string,
  stopped: () => boolean,
  onMessage: () => void,
): Promise<AsyncIterator<unknown>> {
  const iterator = await pubsub.listen(topic);
  void (async () => {
    while (!stopped() && !(await iterator.next()).done) onMessage();
  })().catch(() => {});
  return iterator;
}

type ListenArgs<Topic extends keyof StrataEvents> = StrataEvents[Topic] extends [string, unknown] ? [Topic, string] : [Topic];
type ListenPayload<Topic extends keyof StrataEvents> = StrataEvents[Topic] extends [string, infer P] ? P : StrataEvents[Topic][0];

/**
 * Starts a subscription at once. yoga's pub/sub is a Repeater whose listener is added only when
 * the first `next()` runs; that first call is made here and its result handed to the caller's
 * first `next()`.
 */
async function listenNow<Payload>(
  subscription: AsyncIterable<Payload>,
  confirmed: (topic: string) => Promise<unknown>,
  topic: string,
): Promise<AsyncIterator<Payload>> {
  const iterator = subscription[Symbol.asyncIterator]();
  let first: Promise<IteratorResult<Payload>> | null = iterator.next();
  try {
    await confirmed(topic);
  } catch (error) {
    await iterator.return?.();
    throw error;
  }
  return {
    next: () => {
      const pending = first ?? iterator.next();
      first = null;
      return pending;
    },
    return: async (value?: unknown) => {
      first = null;
      return (await iterator.return?.(value)) ?? { done: true, value: undefined };
    },
  };
}

// `listen`'s own signature types the arguments; yoga's overloads cannot take them spread.
const subscribeUntyped = (pubsub: PubSub<StrataEvents>, args: readonly string[]) =>
  (pubsub.subscribe as (...topic: readonly string[]) => AsyncIterable<never>)(...args);

type Listener = ((event: Event) => void) | { handleEvent(event: Event): void };
type EventTargetLike = {
  addEventListener(type: string, listener: Listener | null): void;
  removeEventListener(type: string, listener: Listener | null): void;
  dispatchEvent(event: Event): boolean;
};

/**
 * A subscriber whose client stopped reading holds what is published for it; past 1,024 pending
 * messages yoga's subscription throws from its listener, and a listener that throws kills the
 * process (EventTarget rethrows it as an uncaught exception). Here such a subscriber misses the
 * messages it has no room for instead; everyone else is unaffected. (runEvents notices the
 * gap at its next message and reads what it missed from the database.)
 */
function sheltered(target: EventTargetLike): EventTargetLike {
  const shelteredOf = new WeakMap<object, (event: Event) => void>();
  return {
    addEventListener(type, listener) {
      if (!listener) return;
      const call = typeof listener === "function" ? listener : (event: Event) => listener.handleEvent(event);
      const safe = (event: Event) => {
        try {
          call(event);
        } catch {
          // The subscriber is too far behind: this message is dropped for it alone.
        }
      };
      shelteredOf.set(listener, safe);
      target.addEventListener(type, safe);
    },
    removeEventListener(type, listener) {
      const safe = listener && shelteredOf.get(listener);
      if (safe) target.removeEventListener(type, safe);
    },
    dispatchEvent: (event) => target.dispatchEvent(event),
  };
}

/** `pubsub` whose `runEvents` publications are also recorded in `recentRunEvents` (committed events only are published). */
function withRecentRunEvents(pubsub: PubSub<StrataEvents>): PubSub<StrataEvents> & { recentRunEvents: RecentRunLogs } {
  const recentRunEvents = new RecentRunLogs();
  const publish = pubsub.publish as (...args: unknown[]) => void;
  return {
    ...pubsub,
    recentRunEvents,
    publish: ((...args: unknown[]) => {
      if (args[0] === "runEvents") recentRunEvents.record(args[1] as string, (args[2] as { events: StoredRunEvent[] }).events);
      publish(...args);
    }) as PubSub<StrataEvents>["publish"],
  };
}

/**
 * In-process pub/sub by default. With a Redis URL, events published on one server replica
 * reach the subscribers of every replica (yoga's Redis event target).
 */
export async function createStrataPubSub(
  options: { redisUrl?: string | undefined; maxSubscriptionsPerToken?: number | undefined } = {},
): Promise<StrataPubSub> {
  const budget = new SubscriptionBudget(options.maxSubscriptionsPerToken ?? DEFAULT_MAX_SUBSCRIPTIONS_PER_TOKEN);
  if (!options.redisUrl) {
    // One listener per subscriber of a topic: a run watched by more than ten clients is no leak
    // (SubscriptionBudget bounds them per token), so Node's warning past ten is turned off.
    const target = new EventTarget();
    setMaxListeners(0, target);
    const pubsub = createPubSub<StrataEvents>({ eventTarget: sheltered(target) as never });
    return {
      pubsub: {
        ...withRecentRunEvents(pubsub),
        budget,
        listen: (...args) => listenNow(subscribeUntyped(pubsub, args), async () => {}, args.join(":")),
      },
      transport: "memory",
      async close() {},
    };
  }
  // Imported only with a Redis URL: ioredis is ~45 ms of a start that does not use it.
  const [{ Redis }, { createRedisEventTarget }] = await Promise.all([import("ioredis"), import("@graphql-yoga/redis-event-target")]);
  const publishClient = new Redis(options.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 3 });
  const subscribeClient = new Redis(options.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 3 });
  try {
    // Both connections must be ready before serving: a SUBSCRIBE queued earlier can lose events.
    await Promise.all([publishClient.connect(), subscribeClient.connect()]);
  } catch (error) {
    publishClient.disconnect();
    subscribeClient.disconnect();
    throw new Error(`Cannot connect to Redis at ${redactUrl(options.redisUrl, "redis")}: ${(error as Error).message}`, { cause: error });
  }
  const eventTarget = sheltered(createRedisEventTarget<CustomEvent>({ publishClient, subscribeClient }) as EventTargetLike) as never;
  const pubsub = createPubSub<StrataEvents>({ eventTarget });
  return {
    pubsub: {
      ...withRecentRunEvents(pubsub),
      budget,
      // The event target sends its SUBSCRIBE without waiting for Redis to confirm it; subscribing
      // to a channel again is a no-op for Redis and resolves once both are confirmed (in order).
      listen: (...args) => listenNow(subscribeUntyped(pubsub, args), (topic) => subscribeClient.subscribe(topic), args.join(":")),
    },
    transport: "redis",
    async close() {
      await Promise.allSettled([publishClient.quit(), subscribeClient.quit()]);
    },
  };
}
