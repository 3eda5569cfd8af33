import { createRedisEventTarget } from "@graphql-yoga/redis-event-target";
import { createPubSub, type PubSub } from "graphql-yoga";
import { Redis } from "ioredis";
import { redactUrl } from "../redact-url.js";
import type { StoredRunEvent } from "../runs/run-events.js";

/** What subscriptions listen to. Payloads are small and plain: subscribers load the rest. */
export interface StrataEvents {
  /** A materialization was stored. */
  assetMaterialized: [{ materializationId: string; assetKey: string }];
  /** A code location registered, changed status, or heartbeated after a silence. */
  codeLocationChanged: [{ name: string; change: "REGISTERED" | "UPDATED" | "LOAD_ERROR" }];
  /** Events stored for a run, in seq order, one message per report. */
  runEvents: [runId: string, payload: { events: StoredRunEvent[] }];
  /** A run changed status. */
  runStatusChanged: [{ runId: string; status: string }];
  /** Work for a location's workers: a run to claim, or a run to cancel. */
  runRequests: [location: string, payload: { kind: "RUN_AVAILABLE" | "CANCEL_REQUESTED"; runId: string }];
  [topic: string]: [unknown] | [string, unknown];
}

export interface StrataPubSub {
  readonly pubsub: PubSub<StrataEvents>;
  /** "memory" or "redis". */
  readonly transport: "memory" | "redis";
  close(): Promise<void>;
}

/**
 * In-process pub/sub by default. With a Redis URL, events published on one server replica
 * reach the subscribers of every replica (yoga's Redis event target).
 */
export async function createStrataPubSub(options: { redisUrl?: string | undefined } = {}): Promise<StrataPubSub> {
  if (!options.redisUrl) {
    return { pubsub: createPubSub<StrataEvents>(), transport: "memory", async close() {} };
  }
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
  const eventTarget = createRedisEventTarget<CustomEvent>({ publishClient, subscribeClient });
  return {
    pubsub: createPubSub<StrataEvents>({ eventTarget }),
    transport: "redis",
    async close() {
      await Promise.allSettled([publishClient.quit(), subscribeClient.quit()]);
    },
  };
}
