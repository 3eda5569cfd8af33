import { describe, expect, it } from "vitest";
import { createStrataPubSub } from "../src/pubsub/pubsub.js";

const redisUrl = process.env.TEST_REDIS_URL;

/*
 * A subscriber whose client stops reading (a stalled SSE connection applies backpressure) holds
 * every message published for it meanwhile. Past yoga's 1,024 pending messages its listener
 * throws, and an exception in an EventTarget listener kills a Node process: any token with
 * `read` could stop the server by subscribing and not reading.
 */
describe.each([
  ["memory", undefined],
  ["redis", redisUrl],
])("a subscriber that stops reading (%s)", (transport, url) => {
  it.skipIf(transport === "redis" && !url)("does not take the process down, and the others still get every message", async () => {
    const { pubsub, close } = await createStrataPubSub({ redisUrl: url });
    try {
      const stalled = await pubsub.listen("runStatusChanged");
      const reading = await pubsub.listen("runStatusChanged");
      const received: string[] = [];
      const consumer = (async () => {
        for (let next = await reading.next(); !next.done; next = await reading.next()) {
          received.push(next.value.runId);
          if (received.length === 1500) return;
        }
      })();
      for (let i = 0; i < 1500; i++) {
        pubsub.publish("runStatusChanged", { runId: String(i), status: "STARTED" });
        if (i % 100 === 99) await new Promise((r) => setTimeout(r, 1)); // the reading one reads meanwhile
      }
      await consumer;
      expect(received).toEqual(Array.from({ length: 1500 }, (_, i) => String(i)));
      // The stalled one still has what it was sent, up to where it was dropped.
      expect((await stalled.next()).value).toEqual({ runId: "0", status: "STARTED" });
      await stalled.return?.();
      await reading.return?.();
    } finally {
      await close();
    }
  });
});
