import { describe, expect, it } from "vitest";
import seed, { complexAsset, myDataAsset, myMultiAsset } from "../../../../examples/seed/defs.js";
import { materialize } from "../execution/materialize.js";

describe("the seed example (examples/seed/defs.ts)", () => {
  it("materializes all three assets with the values the seed promises", async () => {
    const result = await materialize(seed);

    expect(result.success).toBe(true);
    expect(result.outputFor("my_data_asset")).toEqual({ key: "value" });
    expect(result.outputFor("asset_one")).toBe("value1");
    expect(result.outputFor("asset_two")).toBe("value2");
    expect(result.outputFor("complex_asset")).toBe("final_intermediate_value");
    expect(result.materializations.map((m) => m.assetKey).sort()).toEqual(["asset_one", "asset_two", "complex_asset", "my_data_asset"]);
  });

  it("runs the graph asset's ops as steps of their own", async () => {
    const result = await materialize(seed, { selection: [complexAsset] });

    const started = result.events.filter((e) => e.type === "STEP_START").map((e) => e.stepKey);
    expect(started).toEqual(["complex_asset.step_one", "complex_asset.step_two"]);
    expect(result.outputForStep("complex_asset.step_one")).toBe("intermediate_value");
  });

  it("describes the three ways of declaring assets in its manifest", () => {
    const { manifest } = seed.manifest();

    expect(manifest.assets.map((a) => [a.key, a.stepKey, a.multiAsset?.name ?? null, a.graphAsset])).toEqual([
      ["asset_one", "my_multi_asset", "my_multi_asset", null],
      ["asset_two", "my_multi_asset", "my_multi_asset", null],
      ["complex_asset", "complex_asset.step_two", null, "complex_asset"],
      ["my_data_asset", "my_data_asset", null, null],
    ]);
    expect(manifest.steps.map((s) => [s.key, s.kind])).toEqual([
      ["complex_asset.step_one", "op"],
      ["complex_asset.step_two", "op"],
      ["my_data_asset", "asset"],
      ["my_multi_asset", "multi_asset"],
    ]);
  });

  it("exports definitions users can reference downstream", () => {
    expect(myDataAsset.key).toEqual(["my_data_asset"]);
    expect(Object.keys(myMultiAsset.out)).toEqual(["asset_one", "asset_two"]);
  });
});
