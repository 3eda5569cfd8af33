import { describe, expect, it } from "vitest";
import { AssetOut } from "./asset-out.js";
import { asset } from "./asset.js";
import { Definitions } from "./definitions.js";
import type { RunEvent } from "../execution/events.js";
import { InMemoryIOManager } from "../io/in-memory-io-manager.js";
import { materialize } from "../execution/materialize.js";
import { multiAsset } from "./multi-asset.js";
import { MaterializeResult, output } from "./output.js";

const outs = { asset_one: new AssetOut(), asset_two: new AssetOut() };

describe("multiAsset", () => {
  it("materializes each output of a returned object", async () => {
    const both = multiAsset({ name: "both", outs }, () => ({ asset_one: 1, asset_two: output(2, { metadata: { note: "second" } }) }));

    const result = await materialize([both]);

    expect(result.outputFor("asset_one")).toBe(1);
    expect(result.outputFor("asset_two")).toBe(2);
    expect(result.materializations).toEqual([
      { assetKey: "asset_one", stepKey: "both", metadata: {}, dataVersion: null, partition: null },
      { assetKey: "asset_two", stepKey: "both", metadata: { note: { type: "text", value: "second" } }, dataVersion: null, partition: null },
    ]);
  });

  it("keeps what it yielded before failing, and runs only the consumers of that output", async () => {
    const storage = new InMemoryIOManager();
    const partial = multiAsset({ name: "partial", outs }, async function* () {
      yield output("value1", { name: "asset_one" });
      throw new Error("lost the second table");
    });
    const fromOne = asset("from_one", { ins: { one: partial.out.asset_one } }, ({ one }) => `${String(one)}!`);
    const fromTwo = asset("from_two", { ins: { two: partial.out.asset_two } }, ({ two }) => two);

    const result = await materialize([partial, fromOne, fromTwo], { ioManagers: { io_manager: storage } });

    expect(result.success).toBe(false);
    expect(storage.get({ assetKey: ["asset_one"] })).toBe("value1");
    expect(storage.has({ assetKey: ["asset_two"] })).toBe(false);
    expect(result.materializations.map((m) => m.assetKey)).toEqual(["asset_one", "from_one"]);
    expect(result.outputFor(fromOne)).toBe("value1!");
    const outcome = (key: string) =>
      result.events.filter((e) => e.stepKey === key && /SUCCESS|FAILURE|SKIPPED/.test(e.type)).map((e) => e.type);
    expect(outcome("partial")).toEqual(["STEP_FAILURE"]);
    expect(outcome("from_one")).toEqual(["STEP_SUCCESS"]);
    expect(outcome("from_two")).toEqual(["STEP_SKIPPED"]);
    const skipped = result.events.find((e): e is RunEvent<"STEP_SKIPPED"> => e.type === "STEP_SKIPPED")!;
    expect(skipped.payload).toEqual({ reason: "upstream_failed", missing: [{ stepKey: "partial", output: "asset_two" }], blockedBy: [] });
  });

  it("materializes a yielded output before the function goes on", async () => {
    const order: string[] = [];
    const storage = new InMemoryIOManager();
    const streaming = multiAsset({ name: "streaming", outs }, async function* () {
      yield output("first", { name: "asset_one" });
      order.push(storage.has({ assetKey: ["asset_one"] }) ? "asset_one stored" : "asset_one missing");
      yield output("second", { name: "asset_two" });
    });

    const result = await materialize([streaming], { ioManagers: { io_manager: storage } });

    expect(order).toEqual(["asset_one stored"]);
    const types = result.events.map((e) => `${e.type}${e.assetKey ? `:${e.assetKey}` : ""}`);
    expect(types.indexOf("ASSET_MATERIALIZATION:asset_one")).toBeLessThan(types.indexOf("STEP_OUTPUT:asset_two"));
  });

  it("fails when a required output is left out, and skips consumers of an optional one", async () => {
    const lazy = multiAsset({ name: "lazy", outs: { needed: new AssetOut(), optional: new AssetOut({ isRequired: false }) } }, () => ({
      needed: 1,
    }));
    const usesOptional = asset("uses_optional", { ins: { optional: lazy.out.optional } }, ({ optional }) => optional);

    const ok = await materialize([lazy, usesOptional]);
    expect(ok.success).toBe(true);
    const skipped = ok.events.find((e): e is RunEvent<"STEP_SKIPPED"> => e.type === "STEP_SKIPPED")!;
    expect(skipped.stepKey).toBe("uses_optional");
    expect(skipped.payload.reason).toBe("output_not_produced");

    // The compiler rejects this too; the run must still fail for callers it cannot check (plain JavaScript).
    // @ts-expect-error asset_two is required and missing
    const sloppy = multiAsset({ name: "sloppy", outs }, () => ({ asset_one: 1 }));
    const failed = await materialize([sloppy]);
    expect(failed.success).toBe(false);
    expect(failed.events.find((e) => e.type === "STEP_FAILURE")?.message).toBe(
      'multi-asset "sloppy" did not produce its required output "asset_two"',
    );
  });

  it("rejects outputs it does not declare", async () => {
    // The compiler rejects this too; the run must still fail for callers it cannot check (plain JavaScript).
    // @ts-expect-error asset_three is not an out
    const typo = multiAsset({ name: "typo", outs }, () => ({ asset_one: 1, asset_two: 2, asset_three: 3 }));

    const result = await materialize([typo]);

    expect(result.events.find((e) => e.type === "STEP_FAILURE")?.message).toContain('unknown output "asset_three"');
  });

  it("lets a subsettable multi-asset compute only the selected outputs", async () => {
    const seen: string[][] = [];
    const subsettable = multiAsset({ name: "subsettable", outs, canSubset: true }, async function* (_, ctx) {
      seen.push([...ctx.selectedAssetKeys]);
      for (const name of ctx.selectedOutputNames) yield output(`${name} value`, { name });
    });

    const result = await materialize([subsettable], { selection: ["asset_two"] });

    expect(result.success).toBe(true);
    expect(seen).toEqual([["asset_two"]]);
    expect(result.materializations.map((m) => m.assetKey)).toEqual(["asset_two"]);
  });

  it("drops unselected outputs a subset run still returns", async () => {
    const storage = new InMemoryIOManager();
    const eager = multiAsset({ name: "eager", outs, canSubset: true }, () => ({ asset_one: 1, asset_two: 2 }));

    const result = await materialize([eager], { selection: [eager.out.asset_one], ioManagers: { io_manager: storage } });

    expect(result.success).toBe(true);
    expect(storage.has({ assetKey: ["asset_two"] })).toBe(false);
  });

  it("records a MaterializeResult without storing a value", async () => {
    const storage = new InMemoryIOManager();
    const external = multiAsset({ name: "external", outs }, async function* () {
      yield new MaterializeResult({ assetKey: "asset_one", metadata: { rows: 10 } });
      yield new MaterializeResult({ assetKey: "asset_two", dataVersion: "v7" });
    });

    const result = await materialize([external], { ioManagers: { io_manager: storage } });

    expect(result.success).toBe(true);
    expect(storage.has({ assetKey: ["asset_one"] })).toBe(false);
    expect(result.materializations.map((m) => [m.assetKey, m.dataVersion])).toEqual([
      ["asset_one", null],
      ["asset_two", "v7"],
    ]);
  });

  it("lists each output's own upstream assets with internalAssetDeps", () => {
    const a = asset("a", () => 1);
    const b = asset("b", () => 2);
    const split = multiAsset(
      { name: "split", outs: { x: new AssetOut(), y: new AssetOut() }, deps: [a, b], internalAssetDeps: { x: [a], y: ["b", "x"] } },
      () => ({ x: 1, y: 2 }),
    );
    const { manifest } = new Definitions({ assets: [a, b, split] }).manifest();

    expect(manifest.assets.find((m) => m.key === "x")?.deps).toEqual(["a"]);
    expect(manifest.assets.find((m) => m.key === "y")?.deps).toEqual(["b", "x"]);
  });
});
