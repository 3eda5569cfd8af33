import { asset, multiAsset, graphAsset, op, AssetOut, Definitions } from "@strata/definitions";

export const myDataAsset = asset("my_data_asset", () => ({ key: "value" }));

export const myMultiAsset = multiAsset({ name: "my_multi_asset", outs: { asset_one: new AssetOut(), asset_two: new AssetOut() } }, () => ({
  asset_one: "value1",
  asset_two: "value2",
}));

export const complexAsset = graphAsset("complex_asset", () => {
  const stepOne = op("step_one", () => "intermediate_value");
  const stepTwo = op("step_two", (value: string) => `final_${value}`);
  return stepTwo(stepOne());
});

export default new Definitions({ assets: [myDataAsset, myMultiAsset, complexAsset] });
