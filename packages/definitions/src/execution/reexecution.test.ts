import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AssetOut } from "../authoring/asset-out.js";
import { asset } from "../authoring/asset.js";
import { Definitions } from "../authoring/definitions.js";
import { FilesystemIOManager } from "../io/filesystem-io-manager.js";
import { materialize } from "./materialize.js";
import { multiAsset } from "../authoring/multi-asset.js";
import { output } from "../authoring/output.js";
import { planReexecution, ReexecutionError } from "@strata/protocol";
import { countedSum } from "../testing/counted-sum.js";

let baseDir: string;
beforeEach(async () => {
  baseDir = await mkdtemp(join(tmpdir(), "strata-reexec-"));
});
afterEach(async () => {
  await rm(baseDir, { recursive: true, force: true });
});

/** A → B → C, plus an independent D; B fails until `fixed` is set. */
function pipeline() {
  const calls = { a: 0, b: 0, c: 0, d: 0 };
  const state = { fixed: false };
  const a = asset("a", () => {
    calls.a++;
    return 20;
  });
  const b = asset("b", { ins: { a } }, ({ a }) => {
    calls.b++;
    if (!state.fixed) throw new Error("b is broken");
    return a + 1;
  });
  const c = asset("c", { ins: { b } }, ({ b }) => {
    calls.c++;
    return b * 2;
  });
  const d = asset("d", () => {
    calls.d++;
    return "independent";
  });
  const defs = new Definitions({ assets: [a, b, c, d], ioManagers: { io_manager: new FilesystemIOManager({ baseDir }) } });
  return { calls, state, defs };
}

describe("re-execution", () => {
  it("FROM_FAILURE reruns the failed step and what follows, loading the rest from storage", async () => {
    const { calls, state, defs } = pipeline();
    const parent = await materialize(defs);
    expect(parent.success).toBe(false);
    state.fixed = true;

    const child = await materialize(defs, { parentRun: parent, strategy: "FROM_FAILURE" });

    expect(child.success).toBe(true);
    expect(calls).toEqual({ a: 1, b: 2, c: 1, d: 1 });
    expect(child.outputFor("c")).toBe(42);
    expect(child.events[0]).toMatchObject({
      type: "RUN_START",
      payload: {
        stepKeys: ["b", "c"],
        parentRunId: parent.runId,
        rootRunId: parent.runId,
        strategy: "FROM_FAILURE",
        reusedOutputs: [{ stepKey: "a", output: "result", runId: parent.runId }],
      },
    });
  });

  it("works on a Definitions object's default in-memory storage too", async () => {
    let calls = 0;
    let broken = true;
    const a = asset("a", () => ++calls);
    const b = asset("b", { ins: { a } }, ({ a }) => {
      if (broken) throw new Error("not yet");
      return a * 10;
    });
    const defs = new Definitions({ assets: [a, b] });
    const parent = await materialize(defs);
    broken = false;

    const child = await materialize(defs, { parentRun: parent });

    expect(calls).toBe(1);
    expect(child.outputFor(b)).toBe(10);
  });

  it("plans from events alone, as a pure function", () => {
    const { defs } = pipeline();
    const { manifest } = defs.manifest();
    const events = [
      {
        seq: 1,
        type: "RUN_START",
        timestamp: 0,
        payload: {
          runId: "p",
          stepKeys: ["a", "b", "c", "d"],
          assetKeys: ["a", "b", "c", "d"],
          parentRunId: null,
          rootRunId: null,
          strategy: null,
          reusedOutputs: [],
        },
      },
      { seq: 2, type: "STEP_START", timestamp: 0, stepKey: "a", payload: { retryNumber: 0 } },
      {
        seq: 3,
        type: "STEP_OUTPUT",
        timestamp: 0,
        stepKey: "a",
        payload: { outputName: "result", assetKey: "a", stored: true, metadata: {} },
      },
      {
        seq: 4,
        type: "ASSET_MATERIALIZATION",
        timestamp: 0,
        stepKey: "a",
        assetKey: "a",
        payload: { assetKey: "a", outputName: "result", metadata: {}, dataVersion: null },
      },
      { seq: 5, type: "STEP_SUCCESS", timestamp: 0, stepKey: "a", payload: { durationMs: 0, retryNumber: 0 } },
      // the worker died while b ran; c and d never started
      { seq: 6, type: "STEP_START", timestamp: 0, stepKey: "b", payload: { retryNumber: 0 } },
    ] as const;

    const plan = planReexecution(manifest, events as never, "FROM_FAILURE");

    expect(plan.stepKeys).toEqual(["b", "c", "d"]);
    expect(plan.reusedOutputs).toEqual([{ stepKey: "a", output: "result", runId: "p" }]);
    expect(planReexecution(manifest, events as never, "FROM_ASSET_FAILURE").assetKeys).toEqual(["b", "c", "d"]);
    expect(planReexecution(manifest, events as never, "ALL_STEPS").stepKeys).toEqual(["a", "b", "c", "d"]);
  });

  it("ALL_STEPS reruns everything the parent selected", async () => {
    const { calls, state, defs } = pipeline();
    const parent = await materialize(defs, { selection: ["a", "b"] });
    state.fixed = true;

    const child = await materialize(defs, { parentRun: parent, strategy: "ALL_STEPS" });

    expect(child.success).toBe(true);
    expect(calls).toEqual({ a: 2, b: 2, c: 0, d: 0 });
  });

  it("says there is nothing to re-execute after a successful run", async () => {
    const { state, defs } = pipeline();
    state.fixed = true;
    const parent = await materialize(defs);

    const retry = materialize(defs, { parentRun: parent, strategy: "FROM_FAILURE" });

    await expect(retry).rejects.toThrow(ReexecutionError);
    await expect(retry).rejects.toMatchObject({ code: "nothing_to_reexecute" });
    await expect(materialize(defs, { parentRun: parent, strategy: "FROM_ASSET_FAILURE" })).rejects.toMatchObject({
      code: "nothing_to_reexecute",
    });
  });

  it("FROM_ASSET_FAILURE reruns only the missing output of a subsettable multi-asset", async () => {
    const storage = new FilesystemIOManager({ baseDir });
    let fail = true;
    const seen: string[][] = [];
    const pair = multiAsset(
      { name: "pair", outs: { first: new AssetOut(), second: new AssetOut() }, canSubset: true },
      async function* (_, ctx) {
        seen.push([...ctx.selectedOutputNames]);
        if (ctx.selectedOutputNames.includes("first")) yield output("one", { name: "first" });
        if (fail) throw new Error("second failed");
        yield output("two", { name: "second" });
      },
    );
    const joined = asset(
      "joined",
      { ins: { first: pair.out.first, second: pair.out.second } },
      ({ first, second }) => `${String(first)}+${String(second)}`,
    );
    const defs = new Definitions({ assets: [pair, joined], ioManagers: { io_manager: storage } });
    const parent = await materialize(defs);
    fail = false;

    const child = await materialize(defs, { parentRun: parent, strategy: "FROM_ASSET_FAILURE" });

    expect(child.success).toBe(true);
    expect(seen).toEqual([["first", "second"], ["second"]]);
    expect(child.outputFor("joined")).toBe("one+two");
  });

  it("reuses an op's intermediate output stored by the parent run", async () => {
    const { summed, counts } = countedSum({ broken: true });
    const defs = new Definitions({ assets: [summed], ioManagers: { io_manager: new FilesystemIOManager({ baseDir }) } });
    const parent = await materialize(defs);
    counts.broken = false;

    const child = await materialize(defs, { parentRun: parent });
    const grandchild = await materialize(defs, { parentRun: child, strategy: "ALL_STEPS" });

    expect(counts.loads).toBe(1);
    expect(child.outputFor("summed")).toBe(6);
    expect(grandchild.events[0]).toMatchObject({
      payload: { stepKeys: ["summed.total"], rootRunId: parent.runId, reusedOutputs: [{ stepKey: "summed.load", runId: parent.runId }] },
    });
    expect(grandchild.outputFor("summed")).toBe(6);
  });

  it("SELECTED_STEPS reruns exactly the chosen op of a graph asset, loading its input from the parent", async () => {
    const { summed, counts } = countedSum();
    const defs = new Definitions({ assets: [summed], ioManagers: { io_manager: new FilesystemIOManager({ baseDir }) } });
    const parent = await materialize(defs);

    const retried = await materialize(defs, { parentRun: parent, strategy: "SELECTED_STEPS", stepKeys: ["summed.total"] });

    expect(retried.success).toBe(true);
    expect([counts.loads, counts.totals]).toEqual([1, 2]);
    expect(retried.events[0]).toMatchObject({
      payload: { stepKeys: ["summed.total"], reusedOutputs: [{ stepKey: "summed.load", runId: parent.runId }] },
    });
    expect(retried.outputFor("summed")).toBe(6);
    // A step the parent did not run, or no step at all, is refused before anything runs.
    await expect(materialize(defs, { parentRun: parent, strategy: "SELECTED_STEPS", stepKeys: ["summed.nope"] })).rejects.toMatchObject({
      code: "invalid_step_selection",
      message: expect.stringContaining('no step "summed.nope"'),
    });
    await expect(materialize(defs, { parentRun: parent, strategy: "SELECTED_STEPS" })).rejects.toMatchObject({
      code: "invalid_step_selection",
    });
    expect([counts.loads, counts.totals]).toEqual([1, 2]);
  });
});
