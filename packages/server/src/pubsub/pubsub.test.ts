import { describe, expect, it } from "vitest";
import { createStrataPubSub } from "./pubsub.js";

describe("the in-memory pub/sub", () => {
  it("serves many subscribers of one topic without Node's listener-leak warning", async () => {
    const { pubsub, close } = await createStrataPubSub();
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
    process.on("warning", onWarning);
    try {
      // A run watched from 20 browser tabs: 20 listeners on its runEvents topic.
      const subscribers = await Promise.all(Array.from({ length: 20 }, () => pubsub.listen("runEvents", "run-1")));
      const received = Promise.all(subscribers.map((s) => s.next()));
      pubsub.publish("runEvents", "run-1", { events: [] });
      expect((await received).every((r) => !r.done && Array.isArray(r.value.events))).toBe(true);
      await Promise.all(subscribers.map((s) => s.return?.()));
      // Warnings are emitted on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.filter((w) => /MaxListeners|memory leak/.test(w))).toEqual([]);
    } finally {
      process.off("warning", onWarning);
      await close();
    }
  });
});
