import { describe, expect, it } from "vitest";
import { asset } from "../authoring/asset.js";
import { AssetOut } from "../authoring/asset-out.js";
import { multiAsset } from "../authoring/multi-asset.js";
import { systemClock } from "./clock.js";
import { Definitions } from "../authoring/definitions.js";
import type { RunEvent } from "./events.js";
import { InMemoryIOManager } from "../io/in-memory-io-manager.js";
import { materialize } from "./materialize.js";
import { defineResource, requiredResource } from "../authoring/resource.js";
import { executeRun } from "./run-executor.js";
import { VirtualClock } from "../testing/virtual-clock.js";

const memory = () => ({ io_manager: new InMemoryIOManager() });

describe("the event stream", () => {
  it("numbers events from 1, stamps them with the run's clock and tells each step's story in order", async () => {
    const a = asset("a", (_, ctx) => {
      ctx.log.info("hello", { rows: 2 });
      return 1;
    });
    const b = asset("b", { ins: { a } }, ({ a }) => a + 1);
    const clock = new VirtualClock(1_000);

    const result = await materialize([a, b], { clock, runId: "run-1" });

    expect(result.events.map((e) => e.seq)).toEqual(result.events.map((_, i) => i + 1));
    expect(result.events.every((e) => e.timestamp === 1_000)).toBe(true);
    expect(result.events.map((e) => [e.type, e.stepKey ?? null])).toEqual([
      ["RUN_START", null],
      ["STEP_START", "a"],
      ["LOG", "a"],
      ["STEP_OUTPUT", "a"],
      ["ASSET_MATERIALIZATION", "a"],
      ["STEP_SUCCESS", "a"],
      ["STEP_START", "b"],
      ["STEP_OUTPUT", "b"],
      ["ASSET_MATERIALIZATION", "b"],
      ["STEP_SUCCESS", "b"],
      ["RUN_SUCCESS", null],
    ]);
    const log = result.events.find((e) => e.type === "LOG")!;
    expect(log).toMatchObject({ level: "info", message: "hello", assetKey: "a", payload: { extra: { rows: 2 } } });
    expect(result.events[0]).toMatchObject({
      type: "RUN_START",
      payload: { runId: "run-1", stepKeys: ["a", "b"], assetKeys: ["a", "b"], parentRunId: null },
    });
    expect(JSON.parse(JSON.stringify(result.events))).toEqual(result.events);
  });

  it("delivers events to an async sink one at a time, in order", async () => {
    const a = asset("a", () => 1);
    const b = asset("b", () => 2);
    const c = asset("c", () => 3);
    const received: number[] = [];
    let inSink = 0;
    let overlapped = false;

    await executeRun(new Definitions({ assets: [a, b, c], ioManagers: memory() }), {
      sink: async (event) => {
        inSink++;
        if (inSink > 1) overlapped = true;
        await new Promise((resolve) => setTimeout(resolve, 1));
        received.push(event.seq);
        inSink--;
      },
    });

    expect(overlapped).toBe(false);
    expect(received).toEqual(received.map((_, i) => i + 1));
    expect(received.length).toBe(1 + 3 * 4 + 1);
  });

  it("rejects when the sink fails, since events would be lost", async () => {
    const a = asset("a", () => 1);
    const run = executeRun(new Definitions({ assets: [a], ioManagers: memory() }), {
      sink: (event) => {
        if (event.type === "STEP_START") throw new Error("server unreachable");
      },
    });
    await expect(run).rejects.toThrow("server unreachable");
  });
});

describe("failures", () => {
  it("wraps a user's exception with the asset's name, keeping its message and stack", async () => {
    const broken = asset("broken", (): number => {
      const rows = undefined as unknown as number[];
      return rows.length;
    });

    const result = await materialize([broken]);

    const failure = result.events.find((e): e is RunEvent<"STEP_FAILURE"> => e.type === "STEP_FAILURE")!;
    expect(failure.message).toMatch(/^Error in asset "broken": Cannot read properties of undefined/);
    expect(failure.payload.error.name).toBe("UserCodeError");
    expect(failure.payload.error.cause?.name).toBe("TypeError");
    expect(failure.payload.error.cause?.stack).toContain("run-executor.test.ts");
    expect(failure.payload.userCode).toBe(true);
    expect(result.events.at(-1)).toMatchObject({ type: "RUN_FAILURE", payload: { failedSteps: ["broken"] } });
  });

  it("does not run what is downstream of a failure, but runs everything else", async () => {
    const calls: string[] = [];
    const track = <T>(name: string, value: T) => {
      calls.push(name);
      return value;
    };
    const a = asset("a", () => track("a", 1));
    const b = asset("b", { ins: { a } }, (): number => {
      throw new Error("b broke");
    });
    const c = asset("c", { ins: { b } }, ({ b }) => track("c", b));
    const d = asset("d", { deps: [c] }, () => track("d", 4));
    const e = asset("e", { ins: { a } }, ({ a }) => track("e", a));

    const result = await materialize([a, b, c, d, e]);

    expect(calls.sort()).toEqual(["a", "e"]);
    const skipped = result.events.filter((x): x is RunEvent<"STEP_SKIPPED"> => x.type === "STEP_SKIPPED");
    expect(skipped.map((x) => [x.stepKey, x.payload.reason])).toEqual([
      ["c", "upstream_failed"],
      ["d", "upstream_failed"],
    ]);
    expect(result.events.at(-1)).toMatchObject({ type: "RUN_FAILURE", payload: { failedSteps: ["b"], skippedSteps: ["c", "d"] } });
  });

  it("fails the run without running steps when a resource cannot be set up", async () => {
    let ran = false;
    const needy = asset("needy", { resources: { db: requiredResource() } }, () => (ran = true));
    const db = defineResource({
      setup: () => {
        throw new Error("connection refused");
      },
    });

    const result = await materialize([needy], { resources: { db } });

    expect(ran).toBe(false);
    expect(result.events.map((e) => e.type)).toEqual(["RUN_START", "RUN_FAILURE"]);
    expect(result.events[1]!.message).toBe(`run ${result.runId} failed: Error in resource "db": connection refused`);
  });
});

describe("concurrency", () => {
  it("runs independent steps side by side, never more than the limit", async () => {
    let running = 0;
    let peak = 0;
    const slow = (name: string) =>
      asset(name, async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        running--;
        return name;
      });
    const assets = ["a", "b", "c", "d", "e", "f"].map(slow);

    const result = await materialize(assets, { concurrency: 3 });

    expect(result.success).toBe(true);
    expect(peak).toBe(3);
  });
});

/** Materializes `definitions`, counting the event loop's turns meanwhile (each setImmediate that ran). */
async function materializeCountingTurns(definitions: Definitions) {
  let turns = 0;
  let running = true;
  const count = () => {
    turns++;
    if (running) setImmediate(count);
  };
  setImmediate(count);
  const result = await materialize(definitions);
  running = false;
  return { result, turns };
}

describe("a long run of quick steps", () => {
  it("lets the event loop turn while it runs, so reports, heartbeats and cancellation get through", async () => {
    // 2,000 chained in-memory steps whose functions never wait: without the scheduler's slices
    // the whole run is one chain of promise callbacks, and nothing else runs until it ends.
    const chain = [asset("step_0000", () => 0)];
    for (let i = 1; i < 2_000; i++) {
      const up = chain[i - 1]!;
      chain.push(asset(`step_${String(i).padStart(4, "0")}`, { ins: { up } }, ({ up: value }) => (value as number) + 1));
    }
    const { result, turns } = await materializeCountingTurns(new Definitions({ assets: chain, ioManagers: memory() }));
    expect(result.success).toBe(true);
    // The steps take well over 20 ms on any machine: a turn at least every 2 ms of them.
    expect(turns).toBeGreaterThanOrEqual(10);
  });
});

describe("a step storing many outputs", () => {
  it("lets the event loop turn between its outputs, so the requests reporting their events leave while it stores the rest", async () => {
    // One multi-asset of 10,000 in-memory outputs: storing them is one chain of promise callbacks
    // unless the outputs take turns with the event loop.
    const names = Array.from({ length: 10_000 }, (_, i) => `out_${String(i).padStart(5, "0")}`);
    const many = multiAsset({ name: "many", outs: Object.fromEntries(names.map((n) => [n, new AssetOut()])) }, () =>
      Object.fromEntries(names.map((n, i) => [n, i])),
    );
    const { result, turns } = await materializeCountingTurns(new Definitions({ assets: [many], ioManagers: memory() }));
    expect(result.success).toBe(true);
    expect(result.events.filter((e) => e.type === "ASSET_MATERIALIZATION")).toHaveLength(10_000);
    // Storing 10,000 outputs and emitting 20,000 events takes well over 20 ms: a turn at least every 2 ms of it.
    expect(turns).toBeGreaterThanOrEqual(10);
  });
});

describe("cancellation", () => {
  it("ends the run RUN_CANCELED, aborting ctx.signal in running steps and starting no new ones", async () => {
    const controller = new AbortController();
    let sawAbort = false;
    let downstreamRan = false;
    const waits = asset("waits", async (_, ctx) => {
      setTimeout(() => controller.abort(new Error("user pressed cancel")), 1);
      await new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve(), { once: true }));
      sawAbort = ctx.signal.aborted;
      return 1;
    });
    const after = asset("after", { ins: { waits } }, () => (downstreamRan = true));

    const result = await materialize([waits, after], { signal: controller.signal });

    expect(sawAbort).toBe(true);
    expect(downstreamRan).toBe(false);
    expect(result.success).toBe(false);
    expect(result.status).toBe("CANCELED");
    const types = result.events.map((e) => e.type);
    // The interrupted step was canceled, not failed.
    expect(types).toEqual(["RUN_START", "STEP_START", "STEP_CANCELED", "RUN_CANCELED"]);
    const canceled = result.events[2] as RunEvent<"STEP_CANCELED">;
    expect(canceled).toMatchObject({ stepKey: "waits", level: "warning", payload: { retryNumber: 0 } });
    expect(canceled.payload.error.message).toBe('asset "waits" was interrupted: the run was canceled');
    expect(result.events[3]).toMatchObject({ payload: { notStartedSteps: ["after"] } });
  });

  it("stops waiting for a retry when the run is canceled", async () => {
    const controller = new AbortController();
    const flaky = asset("flaky", { retryPolicy: { maxRetries: 3, delay: 60_000 } }, () => {
      setTimeout(() => controller.abort(), 5);
      throw new Error("not yet");
    });

    const started = Date.now();
    const result = await materialize([flaky], { signal: controller.signal, clock: systemClock });

    expect(Date.now() - started).toBeLessThan(5_000);
    expect(result.status).toBe("CANCELED");
    expect(result.events.map((e) => e.type)).toEqual(["RUN_START", "STEP_START", "STEP_UP_FOR_RETRY", "STEP_CANCELED", "RUN_CANCELED"]);
  });

  it("starts nothing when the signal is already aborted", async () => {
    let ran = false;
    const a = asset("a", () => (ran = true));

    const result = await materialize([a], { signal: AbortSignal.abort() });

    expect(ran).toBe(false);
    expect(result.events.map((e) => e.type)).toEqual(["RUN_START", "RUN_CANCELED"]);
  });
});

describe("executeRun", () => {
  it("runs exactly the steps it is given and reports their outcomes", async () => {
    const storage = new InMemoryIOManager();
    const a = asset("a", () => 1);
    const b = asset("b", { ins: { a } }, ({ a }) => a * 10);
    const defs = new Definitions({ assets: [a, b], ioManagers: { io_manager: storage } });
    await executeRun(defs, { stepKeys: ["a"] });

    const outcome = await executeRun(defs, { runId: "second", stepKeys: ["b"] });

    expect(outcome).toEqual({ runId: "second", status: "SUCCESS", success: true, steps: { b: "success" } });
    expect(storage.get({ assetKey: ["b"] })).toBe(10);
  });
});
