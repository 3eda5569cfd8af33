/**
 * Every kind of definition, written as a user writes it: imported by package name and exported
 * with inferred types. (Whether those types can be named from outside the package, TS2742, is
 * checked by the seed example, which lives outside it and is type-checked through
 * src/seed.test.ts.)
 */
import { describe, expect, it } from "vitest";
import {
  AssetIn,
  AssetOut,
  Definitions,
  asset,
  graphAsset,
  graphMultiAsset,
  materialize,
  multiAsset,
  op,
  output,
  requiredResource,
  type OpContext,
} from "@strata/definitions";

export const plain = asset("plain", () => ({ key: "value" }));
export const typedIns = asset(
  "typed_ins",
  { ins: { plain, remote: new AssetIn<number>({ key: "other/remote" }) } },
  ({ plain, remote }) => `${plain.key}${remote}`,
);
export const withResources = asset("with_resources", { resources: { clock: requiredResource<() => number>() } }, (_, ctx) =>
  ctx.resources.clock(),
);
export const returnedMulti = multiAsset({ name: "returned_multi", outs: { one: new AssetOut(), two: new AssetOut() } }, () => ({
  one: 1,
  two: output("two"),
}));
export const yieldedMulti = multiAsset({ name: "yielded_multi", outs: { three: new AssetOut() } }, async function* () {
  yield output(3, { name: "three" });
});
export const stepOne = op("one", () => 1);
export const stepTwo = op("two", (n: number, ctx: OpContext) => `${ctx.opName}${n}`);
export const splitter = op("splitter", { outs: ["a", "b"] }, (n: number) => ({ a: n, b: String(n) }));
export const graph = graphAsset("graph", () => stepTwo(stepOne()));
export const graphMulti = graphMultiAsset({ name: "graph_multi", outs: { a: new AssetOut(), b: new AssetOut() } }, () =>
  splitter(stepOne()),
);
export const usesOutput = asset("uses_output", { ins: { two: returnedMulti.out.two } }, ({ two }) => two.length);

describe("the public entry point", () => {
  it("runs definitions imported by package name", async () => {
    const defs = new Definitions({
      assets: [plain, returnedMulti, yieldedMulti, graph, graphMulti, usesOutput, withResources],
      resources: { clock: () => 7 },
    });
    const result = await materialize(defs);
    expect(result.success).toBe(true);
    expect(result.outputFor(usesOutput)).toBe(3);
    expect(result.outputFor("b")).toBe("1");
    expect(result.outputFor(withResources)).toBe(7);
  });
});
