import { describe, expect, it } from "vitest";
import { AssetOut } from "../authoring/asset-out.js";
import { asset } from "../authoring/asset.js";
import { Definitions } from "../authoring/definitions.js";
import { graphAsset, graphMultiAsset } from "../authoring/graph-asset.js";
import { InMemoryIOManager } from "../io/in-memory-io-manager.js";
import { materialize } from "./materialize.js";
import { multiAsset } from "../authoring/multi-asset.js";
import { op } from "../authoring/op.js";
import { resolveSelection, SelectionError } from "@strata/protocol";
import { thrownOf } from "../testing/thrown.js";

const upstream = asset("upstream", () => 1);
const fixed = multiAsset({ name: "fixed", outs: { one: new AssetOut(), two: new AssetOut() } }, () => ({ one: 1, two: 2 }));
const flexible = multiAsset({ name: "flexible", outs: { three: new AssetOut(), four: new AssetOut() }, canSubset: true }, () => ({
  three: 3,
  four: 4,
}));
const twice = op("twice", (n: number) => n * 2);
const plusOne = op("plus_one", (n: number) => n + 1);
const graph = graphAsset("graph", { ins: { upstream } }, ({ upstream }) => plusOne(twice(upstream)));
const source = op("source", () => [1, 2]);
const left = op("left", (xs: number[]) => xs[0]);
const right = op("right", (xs: number[]) => xs[1]);
const sides = graphMultiAsset({ name: "sides", outs: { l: new AssetOut(), r: new AssetOut() }, canSubset: true }, () => {
  const xs = source();
  return { l: left(xs), r: right(xs) };
});
const defs = new Definitions({ assets: [upstream, fixed, flexible, graph, sides] });
const { manifest } = defs.manifest();

const selectionError = (keys: string[]) => thrownOf(SelectionError, () => resolveSelection(manifest, keys));

describe("selection rules", () => {
  it("selects everything by default", () => {
    expect(resolveSelection(manifest).stepKeys).toEqual(manifest.steps.map((s) => s.key));
  });

  it("refuses part of a multi-asset that cannot be subset, naming what is missing", () => {
    const error = selectionError(["one"]);
    expect(error.code).toBe("partial_multi_asset");
    expect(error.message).toContain('also select "two"');
    expect(resolveSelection(manifest, ["one", "two"]).stepKeys).toEqual(["fixed"]);
  });

  it("runs a subsettable multi-asset for part of its outputs", () => {
    expect(resolveSelection(manifest, ["four"])).toEqual({ stepKeys: ["flexible"], assetKeys: ["four"] });
  });

  it("selects every op of a graph asset", () => {
    expect(resolveSelection(manifest, ["graph"]).stepKeys).toEqual(["graph.plus_one", "graph.twice"]);
  });

  it("selects only the ops a subset of a subsettable graph multi-asset needs", () => {
    expect(resolveSelection(manifest, ["l"]).stepKeys).toEqual(["sides.left", "sides.source"]);
  });

  it("rejects unknown keys and empty selections", () => {
    expect(selectionError(["nope"]).code).toBe("unknown_asset");
    expect(selectionError([]).code).toBe("empty_selection");
  });

  it("makes materialize refuse a bad selection before the run starts", async () => {
    await expect(materialize(defs, { selection: [fixed.out.one] })).rejects.toThrow(SelectionError);
  });

  it("loads an unselected upstream asset from storage instead of recomputing it", async () => {
    const storage = new InMemoryIOManager();
    let calls = 0;
    const counted = asset("counted", () => ++calls);
    const doubled = asset("doubled", { ins: { counted } }, ({ counted }) => counted * 2);
    const local = new Definitions({ assets: [counted, doubled], ioManagers: { io_manager: storage } });
    await materialize(local, { selection: [counted] });

    const result = await materialize(local, { selection: ["doubled"] });

    expect(calls).toBe(1);
    expect(result.outputFor(doubled)).toBe(2);
  });
});
