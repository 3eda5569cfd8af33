/**
 * Compile-time guarantees: values flow between assets with their TypeScript types. `tsc
 * --noEmit` checks the `@ts-expect-error` lines (each must be an error); vitest runs the rest.
 */
import { describe, expect, expectTypeOf, it } from "vitest";
import { AssetIn } from "./asset-in.js";
import { AssetOut } from "./asset-out.js";
import { asset, type SingleAssetDefinition } from "./asset.js";
import { graphAsset, graphMultiAsset } from "./graph-asset.js";
import type { OpHandle } from "./graph-builder.js";
import { materialize } from "../execution/materialize.js";
import { multiAsset } from "./multi-asset.js";
import { op } from "./op.js";
import { MaterializeResult, output } from "./output.js";
import { requiredResource } from "./resource.js";
import type { OpContext } from "./step-context.js";

interface Order {
  id: number;
  total: number;
}

const orders = asset(
  "orders",
  async (): Promise<Order[]> => [
    { id: 1, total: 10 },
    { id: 2, total: 5.5 },
  ],
);

describe("typed ins", () => {
  it("gives a downstream function the upstream asset's return type", async () => {
    expectTypeOf(orders).toEqualTypeOf<SingleAssetDefinition<Order[]>>();
    const revenue = asset("revenue", { ins: { orders } }, ({ orders }) => {
      expectTypeOf(orders).toEqualTypeOf<Order[]>();
      return orders.reduce((sum, o) => sum + o.total, 0);
    });
    expectTypeOf(revenue).toEqualTypeOf<SingleAssetDefinition<number>>();

    const result = await materialize([orders, revenue]);
    expect(result.outputFor(revenue)).toBe(15.5);
  });

  it("rejects a function that misuses an input's type", () => {
    // @ts-expect-error orders is Order[], which has no toUpperCase
    asset("wrong", { ins: { orders } }, ({ orders }) => orders.toUpperCase());
    // @ts-expect-error there is no input called customers
    asset("unknown_input", { ins: { orders } }, ({ customers }) => customers);
  });

  it("unwraps output(), generators and MaterializeResult", () => {
    const wrapped = asset("wrapped", () => output(42, { metadata: { answer: true } }));
    expectTypeOf(wrapped).toEqualTypeOf<SingleAssetDefinition<number>>();
    const yielded = asset("yielded", async function* () {
      yield output("text");
    });
    expectTypeOf(yielded).toEqualTypeOf<SingleAssetDefinition<string>>();
    const external = asset("external", () => new MaterializeResult({ metadata: { rows: 3 } }));
    expectTypeOf(external).toEqualTypeOf<SingleAssetDefinition<void>>();
  });

  it("types each multi-asset output, returned or yielded", () => {
    const returned = multiAsset({ name: "returned", outs: { a: new AssetOut(), b: new AssetOut() } }, () => ({ a: 1, b: output("two") }));
    expectTypeOf(returned.out.a).toEqualTypeOf<AssetOutputRefOf<number>>();
    expectTypeOf(returned.out.b).toEqualTypeOf<AssetOutputRefOf<string>>();

    const yielded = multiAsset({ name: "yielded", outs: { a: new AssetOut(), b: new AssetOut() } }, async function* () {
      yield output(1, { name: "a" });
      yield output(["x"], { name: "b" });
    });
    asset("uses_b", { ins: { b: yielded.out.b } }, ({ b }) => {
      expectTypeOf(b).toEqualTypeOf<string[]>();
    });
    // @ts-expect-error there is no out "c"
    void yielded.out.c;

    const declared = multiAsset({ name: "declared", outs: { a: new AssetOut<Date>() } }, () => ({ a: new Date() }));
    expectTypeOf(declared.out.a).toEqualTypeOf<AssetOutputRefOf<Date>>();
  });

  it("types AssetIn by its generic, and leaves a bare { key } unknown", () => {
    asset("external_typed", { ins: { remote: new AssetIn<Order[]>({ key: "sales/orders" }) } }, ({ remote }) => {
      expectTypeOf(remote).toEqualTypeOf<Order[]>();
    });
    asset("external_untyped", { ins: { remote: { key: "other/location/key" } } }, ({ remote }) => {
      expectTypeOf(remote).toEqualTypeOf<unknown>();
    });
  });

  it("types resources in the context", () => {
    interface Warehouse {
      query(sql: string): Promise<number>;
    }
    asset("counted", { resources: { warehouse: requiredResource<Warehouse>() } }, async (_, ctx) => {
      expectTypeOf(ctx.resources.warehouse).toEqualTypeOf<Warehouse>();
      // @ts-expect-error only declared resources are visible
      void ctx.resources.other;
      return ctx.resources.warehouse.query("select 1");
    });
  });
});

type AssetOutputRefOf<T> = import("./asset-in.js").AssetOutputRef<T>;

describe("typed graphs", () => {
  it("wires ops by value type and types the graph asset", () => {
    const complex = graphAsset("typed_complex", () => {
      const stepOne = op("step_one", () => 3);
      const stepTwo = op("step_two", (value: number, ctx: OpContext) => `${ctx.opName}:${value}`);
      const handle = stepOne();
      expectTypeOf(handle).toEqualTypeOf<OpHandle<number>>();
      return stepTwo(handle);
    });
    expectTypeOf(complex).toEqualTypeOf<SingleAssetDefinition<string>>();
  });

  it("rejects wiring an output into an op expecting another type", () => {
    const numbers = op("numbers", () => [1, 2]);
    const shout = op("shout", (text: string) => text.toUpperCase());
    expect(() =>
      graphAsset("mistyped", () =>
        // @ts-expect-error numbers() gives number[], shout expects a string
        shout(numbers()),
      ),
    ).not.toThrow();
  });

  it("gives graph assets typed inputs and graph multi-assets typed outputs", () => {
    const total = op("total", (rows: Order[]) => rows.length);
    const counted = graphAsset("counted_orders", { ins: { orders } }, ({ orders }) => {
      expectTypeOf(orders).toEqualTypeOf<OpHandle<Order[]>>();
      return total(orders);
    });
    expectTypeOf(counted).toEqualTypeOf<SingleAssetDefinition<number>>();

    const split = op("split", { outs: ["big", "small"] }, (rows: Order[]) => ({
      big: rows.filter((o) => o.total >= 10),
      small: rows.filter((o) => o.total < 10).map((o) => o.id),
    }));
    const parts = graphMultiAsset({ name: "parts", outs: { big: new AssetOut(), small: new AssetOut() }, ins: { orders } }, ({ orders }) =>
      split(orders),
    );
    expectTypeOf(parts.out.big).toEqualTypeOf<AssetOutputRefOf<Order[]>>();
    expectTypeOf(parts.out.small).toEqualTypeOf<AssetOutputRefOf<number[]>>();
  });
});
