import { describe, expect, it } from "vitest";
import { AssetOut } from "./asset-out.js";
import { asset } from "./asset.js";
import { Definitions } from "./definitions.js";
import type { RunEvent } from "../execution/events.js";
import { graphAsset, graphMultiAsset } from "./graph-asset.js";
import { materialize } from "../execution/materialize.js";
import { op } from "./op.js";
import type { OpContext } from "./step-context.js";
import { VirtualClock } from "../testing/virtual-clock.js";

const stepEvents = (events: readonly RunEvent[], stepKey: string) =>
  events.filter((e) => e.stepKey === stepKey && e.type !== "LOG").map((e) => e.type);

describe("graphAsset", () => {
  it("records each op as a step of its own, with its own retries", async () => {
    let attempts = 0;
    const fetchRaw = op("fetch_raw", () => [3, 1, 2]);
    const sortRows = op("sort_rows", { retryPolicy: { maxRetries: 2, delay: 10 } }, (rows: number[]) => {
      attempts++;
      if (attempts === 1) throw new Error("sorter busy");
      return [...rows].sort();
    });
    const sorted = graphAsset("sorted", () => sortRows(fetchRaw()));
    const clock = new VirtualClock();

    const result = await materialize([sorted], { clock });

    expect(result.success).toBe(true);
    expect(result.outputFor(sorted)).toEqual([1, 2, 3]);
    expect(stepEvents(result.events, "sorted.fetch_raw")).toEqual(["STEP_START", "STEP_OUTPUT", "STEP_SUCCESS"]);
    expect(stepEvents(result.events, "sorted.sort_rows")).toEqual([
      "STEP_START",
      "STEP_UP_FOR_RETRY",
      "STEP_RESTARTED",
      "STEP_OUTPUT",
      "ASSET_MATERIALIZATION",
      "STEP_SUCCESS",
    ]);
    expect(clock.sleeps).toEqual([10]);
    const intermediate = result.events.find(
      (e): e is RunEvent<"STEP_OUTPUT"> => e.type === "STEP_OUTPUT" && e.stepKey === "sorted.fetch_raw",
    )!;
    expect(intermediate.payload.assetKey).toBeNull();
  });

  it("fails the op step with the op's name and does not run the ops after it", async () => {
    const boom = op("boom", (): number => {
      throw new TypeError("cannot read rows");
    });
    const after = op("after", (n: number) => n + 1);
    const broken = graphAsset("broken", () => after(boom()));

    const result = await materialize([broken]);

    const failure = result.events.find((e): e is RunEvent<"STEP_FAILURE"> => e.type === "STEP_FAILURE")!;
    expect(failure.stepKey).toBe("broken.boom");
    expect(failure.message).toBe('Error in op "broken.boom": cannot read rows');
    expect(failure.payload.error.cause?.name).toBe("TypeError");
    expect(failure.payload.error.cause?.stack).toContain("graph-asset.test.ts");
    expect(stepEvents(result.events, "broken.after")).toEqual(["STEP_SKIPPED"]);
  });

  it("aliases an op invoked twice and passes the context last", async () => {
    const seen: string[] = [];
    const addOne = op("add_one", (n: number, ctx: OpContext) => {
      seen.push(`${ctx.graphName}/${ctx.opName}`);
      return n + 1;
    });
    const start = op("start", () => 0);
    const two = graphAsset("two", () => addOne(addOne(start())));

    const result = await materialize([two]);

    expect(result.outputFor(two)).toBe(2);
    expect(seen).toEqual(["two/add_one", "two/add_one_2"]);
  });

  it("takes upstream assets as graph inputs", async () => {
    const numbers = asset("numbers", () => [1, 2, 3]);
    const total = op("total", (xs: number[]) => xs.reduce((a, b) => a + b, 0));
    const sum = graphAsset("sum", { ins: { numbers } }, ({ numbers }) => total(numbers));

    const result = await materialize([numbers, sum]);

    expect(result.outputFor(sum)).toBe(6);
    const { manifest } = new Definitions({ assets: [numbers, sum] }).manifest();
    expect(manifest.steps.find((s) => s.key === "sum.total")?.inputs).toEqual([
      { name: "arg0", stepKey: "numbers", output: "result", assetKey: "numbers" },
    ]);
    expect(manifest.assets.find((a) => a.key === "sum")?.deps).toEqual(["numbers"]);
  });

  it("builds several assets from one graph with graphMultiAsset", async () => {
    const load = op("load", () => [1, 2, 3, 4]);
    const split = op("split", { outs: ["evens", "odds"] }, (xs: number[]) => ({
      evens: xs.filter((x) => x % 2 === 0),
      odds: xs.filter((x) => x % 2 === 1),
    }));
    const parity = graphMultiAsset({ name: "parity", outs: { evens: new AssetOut(), odds: new AssetOut() } }, () => split(load()));

    const result = await materialize([parity]);

    expect(result.outputFor("evens")).toEqual([2, 4]);
    expect(result.outputFor("odds")).toEqual([1, 3]);
    const { manifest } = new Definitions({ assets: [parity] }).manifest();
    expect(manifest.assets.map((a) => [a.key, a.stepKey, a.graphAsset, a.multiAsset])).toEqual([
      ["evens", "parity.split", "parity", { name: "parity", canSubset: false }],
      ["odds", "parity.split", "parity", { name: "parity", canSubset: false }],
    ]);
  });

  it("evaluates the graph function once, at definition time", () => {
    let evaluations = 0;
    const one = op("one", () => 1);
    const counted = graphAsset("counted", () => {
      evaluations++;
      return one();
    });
    new Definitions({ assets: [counted] });
    new Definitions({ assets: [counted] });

    expect(evaluations).toBe(1);
  });
});
