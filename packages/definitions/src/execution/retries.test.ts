import { describe, expect, it } from "vitest";
import { asset } from "../authoring/asset.js";
import { Failure, RetryRequested } from "../authoring/control-flow.js";
import type { RunEvent } from "./events.js";
import { materialize } from "./materialize.js";
import { VirtualClock } from "../testing/virtual-clock.js";

function flaky(failures: number, make: (attempt: number) => Error = () => new Error("flaky")) {
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    fn: () => {
      calls++;
      if (calls <= failures) throw make(calls);
      return `ok after ${calls}`;
    },
  };
}

const types = (events: readonly RunEvent[]) => events.map((e) => e.type);

describe("step retries", () => {
  it("retries with linear delays of 1, 2 and 3 units, then succeeds", async () => {
    const clock = new VirtualClock();
    const source = flaky(3);
    const a = asset("linear", { retryPolicy: { maxRetries: 3, delay: 1000, backoff: "linear" } }, source.fn);

    const result = await materialize([a], { clock });

    expect(result.success).toBe(true);
    expect(source.calls).toBe(4);
    expect(clock.sleeps).toEqual([1000, 2000, 3000]);
    expect(result.outputFor(a)).toBe("ok after 4");
    expect(types(result.events)).toEqual([
      "RUN_START",
      "STEP_START",
      "STEP_UP_FOR_RETRY",
      "STEP_RESTARTED",
      "STEP_UP_FOR_RETRY",
      "STEP_RESTARTED",
      "STEP_UP_FOR_RETRY",
      "STEP_RESTARTED",
      "STEP_OUTPUT",
      "ASSET_MATERIALIZATION",
      "STEP_SUCCESS",
      "RUN_SUCCESS",
    ]);
  });

  it("retries with exponential delays of 1, 3 and 7 units", async () => {
    const clock = new VirtualClock();
    const source = flaky(3);
    const a = asset("exponential", { retryPolicy: { maxRetries: 3, delay: 1000, backoff: "exponential" } }, source.fn);

    await materialize([a], { clock });

    expect(clock.sleeps).toEqual([1000, 3000, 7000]);
  });

  it("fails once retries run out, reporting the last error and retry number", async () => {
    const clock = new VirtualClock();
    const source = flaky(10);
    const a = asset("hopeless", { retryPolicy: { maxRetries: 2, delay: 5 } }, source.fn);

    const result = await materialize([a], { clock });

    expect(result.success).toBe(false);
    expect(source.calls).toBe(3);
    const failure = result.events.find((e): e is RunEvent<"STEP_FAILURE"> => e.type === "STEP_FAILURE")!;
    expect(failure.payload.retryNumber).toBe(2);
    expect(failure.message).toBe('Error in asset "hopeless": flaky');
  });

  it("passes the retry number to the function", async () => {
    const seen: number[] = [];
    const a = asset("counting", { retryPolicy: { maxRetries: 2 } }, (_, ctx) => {
      seen.push(ctx.retryNumber);
      if (ctx.retryNumber < 2) throw new Error("again");
      return seen.length;
    });

    await materialize([a], { clock: new VirtualClock() });

    expect(seen).toEqual([0, 1, 2]);
  });

  it("does not retry a Failure thrown with allowRetries: false, and reports its description and metadata", async () => {
    const source = flaky(5, () => new Failure({ description: "bad input file", metadata: { rows: 0 }, allowRetries: false }));
    const a = asset("strict", { retryPolicy: { maxRetries: 5 } }, source.fn);

    const result = await materialize([a], { clock: new VirtualClock() });

    expect(source.calls).toBe(1);
    const failure = result.events.find((e): e is RunEvent<"STEP_FAILURE"> => e.type === "STEP_FAILURE")!;
    expect(failure.payload.description).toBe("bad input file");
    expect(failure.payload.metadata).toEqual({ rows: { type: "int", value: 0 } });
    expect(failure.payload.userCode).toBe(true);
    expect(failure.message).toContain('asset "strict"');
  });

  it("retries a Failure that allows retries, as Dagster does", async () => {
    const source = flaky(1, () => new Failure({ description: "transient" }));
    const a = asset("lenient", { retryPolicy: { maxRetries: 1 } }, source.fn);

    const result = await materialize([a], { clock: new VirtualClock() });

    expect(result.success).toBe(true);
    expect(source.calls).toBe(2);
  });

  it("honours RetryRequested without any retry policy, with its own count and delay", async () => {
    const clock = new VirtualClock();
    const source = flaky(2, () => new RetryRequested({ maxRetries: 2, delay: 300 }));
    const a = asset("asks", source.fn);

    const result = await materialize([a], { clock });

    expect(result.success).toBe(true);
    expect(source.calls).toBe(3);
    expect(clock.sleeps).toEqual([300, 300]);
    const retries = result.events.filter((e): e is RunEvent<"STEP_UP_FOR_RETRY"> => e.type === "STEP_UP_FOR_RETRY");
    expect(retries.map((e) => [e.payload.retryNumber, e.payload.delayMs])).toEqual([
      [1, 300],
      [2, 300],
    ]);
  });

  it("fails when RetryRequested exceeds its own maxRetries", async () => {
    const source = flaky(5, () => new RetryRequested({ maxRetries: 1 }));
    const a = asset("greedy", source.fn);

    const result = await materialize([a], { clock: new VirtualClock() });

    expect(result.success).toBe(false);
    expect(source.calls).toBe(2);
  });
});
