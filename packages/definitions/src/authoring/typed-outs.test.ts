/**
 * Compile-time guarantees about outputs: what a multi-asset's function returns or yields is
 * checked against its `outs`, and `outputFor` is typed by the asset. `tsc --noEmit` checks the
 * `@ts-expect-error` lines (each must be an error, or tsc reports the directive as unused);
 * vitest runs the rest.
 */
import { describe, expect, expectTypeOf, it } from "vitest";
import type { AssetOutputRef } from "./asset-in.js";
import { AssetOut } from "./asset-out.js";
import { asset } from "./asset.js";
import { graphMultiAsset } from "./graph-asset.js";
import type { OpHandle } from "./graph-builder.js";
import { materialize } from "../execution/materialize.js";
import { multiAsset } from "./multi-asset.js";
import { op } from "./op.js";
import { MaterializeResult, output } from "./output.js";

describe("AssetOut", () => {
  it("records its declared type and whether it is required", () => {
    expectTypeOf(new AssetOut()).toEqualTypeOf<AssetOut<unknown, true>>();
    expectTypeOf(new AssetOut<Date>()).toEqualTypeOf<AssetOut<Date, true>>();
    expectTypeOf(new AssetOut({ isRequired: false })).toEqualTypeOf<AssetOut<unknown, false>>();
    expectTypeOf(new AssetOut<Date>({ keyPrefix: "sales", isRequired: false })).toEqualTypeOf<AssetOut<Date, false>>();
    const known = Math.random() > 2;
    expectTypeOf(new AssetOut({ isRequired: known })).toEqualTypeOf<AssetOut<unknown, boolean>>();
    expect(new AssetOut({ isRequired: false })).toBeInstanceOf(AssetOut);
  });
});

describe("multi-asset outs, checked against the function", () => {
  it("rejects a returned value that does not fit the out's declared type", () => {
    // @ts-expect-error a string is not a Date
    multiAsset({ name: "mistyped", outs: { a: new AssetOut<Date>() } }, () => ({ a: "string" }));
    // @ts-expect-error nor is output("string"), even from an async function
    multiAsset({ name: "mistyped_async", outs: { a: new AssetOut<Date>() } }, async () => ({ a: output("string") }));
    multiAsset({ name: "misnamed", outs: { a: new AssetOut<Date>(), b: new AssetOut() } }, () => ({
      // @ts-expect-error an output named after another out
      a: output(new Date(), { name: "b" }),
      b: 1,
    }));

    const fits = multiAsset(
      { name: "fits", outs: { a: new AssetOut<Date>(), b: new AssetOut<number>(), c: new AssetOut() } },
      async () => ({
        a: new Date(),
        b: output(2, { metadata: { rows: 2 } }),
        c: new MaterializeResult({ metadata: { rows: 3 } }),
      }),
    );
    expectTypeOf(fits.out.a).toEqualTypeOf<AssetOutputRef<Date>>();
    expectTypeOf(fits.out.b).toEqualTypeOf<AssetOutputRef<number>>();
    expectTypeOf(fits.out.c).toEqualTypeOf<AssetOutputRef<void>>();
  });

  it("rejects a yielded output of the wrong type or with no matching out", () => {
    // @ts-expect-error a string is not a Date
    multiAsset({ name: "yields_mistyped", outs: { a: new AssetOut<Date>() } }, async function* () {
      yield output("string", { name: "a" });
    });
    // @ts-expect-error there is no out "c"
    multiAsset({ name: "yields_unknown", outs: { a: new AssetOut(), b: new AssetOut() } }, function* () {
      yield output(1, { name: "c" });
    });
    // @ts-expect-error a multi-asset's outputs need a name
    multiAsset({ name: "yields_unnamed", outs: { a: new AssetOut(), b: new AssetOut() } }, function* () {
      yield output(1);
    });
    // @ts-expect-error a value yielded under either name must fit both outs
    multiAsset({ name: "yields_either", outs: { a: new AssetOut<string>(), b: new AssetOut() }, canSubset: true }, function* (_, ctx) {
      for (const name of ctx.selectedOutputNames) yield output(1, { name });
    });

    const fits = multiAsset(
      { name: "yields", outs: { a: new AssetOut<Date>(), b: new AssetOut(), c: new AssetOut() }, canSubset: true },
      async function* (_, ctx) {
        yield output(new Date(), { name: "a" });
        yield new MaterializeResult({ assetKey: "b" });
        expectTypeOf(ctx.selectedOutputNames).toEqualTypeOf<readonly ("a" | "b" | "c")[]>();
        if (ctx.selectedOutputNames.includes("c")) yield output(["c"], { name: "c" });
      },
    );
    expectTypeOf(fits.out.a).toEqualTypeOf<AssetOutputRef<Date>>();
    expectTypeOf(fits.out.c).toEqualTypeOf<AssetOutputRef<string[]>>();

    // A name computed as a plain string could be any out's: the value must fit them all, and the
    // run checks the name.
    const computed: string = ["a"].join("");
    multiAsset({ name: "yields_computed", outs: { a: new AssetOut(), b: new AssetOut() } }, function* () {
      yield output(1, { name: computed });
    });
    // @ts-expect-error 1 does not fit out a
    multiAsset({ name: "yields_computed_mistyped", outs: { a: new AssetOut<Date>(), b: new AssetOut() } }, function* () {
      yield output(1, { name: computed });
    });
  });

  it("requires every required out in a returned object, and nothing else", () => {
    // @ts-expect-error b is required and missing
    multiAsset({ name: "missing", outs: { a: new AssetOut(), b: new AssetOut() } }, () => ({ a: 1 }));
    // @ts-expect-error b is required and missing, from an async function too
    multiAsset({ name: "missing_async", outs: { a: new AssetOut(), b: new AssetOut<Date>() } }, async () => ({ a: 1 }));
    // @ts-expect-error returning nothing leaves the required a out
    multiAsset({ name: "nothing", outs: { a: new AssetOut(), b: new AssetOut({ isRequired: false }) } }, () => {});
    // @ts-expect-error c is not an out
    multiAsset({ name: "extra", outs: { a: new AssetOut() } }, () => ({ a: 1, c: 3 }));
    multiAsset({ name: "optional_mistyped", outs: { a: new AssetOut(), b: new AssetOut<Date>({ isRequired: false }) } }, () => ({
      a: 1,
      // @ts-expect-error an optional out still has its declared type
      b: 2,
    }));

    const optional = multiAsset({ name: "optional", outs: { a: new AssetOut(), b: new AssetOut<Date>({ isRequired: false }) } }, () => ({
      a: 1,
    }));
    expectTypeOf(optional.out.a).toEqualTypeOf<AssetOutputRef<number>>();
    expectTypeOf(optional.out.b).toEqualTypeOf<AssetOutputRef<Date>>();
    multiAsset({ name: "all_optional", outs: { a: new AssetOut({ isRequired: false }) } }, () => {});
    // With canSubset, which outs are required depends on the run's selection.
    multiAsset({ name: "subset", outs: { a: new AssetOut(), b: new AssetOut() }, canSubset: true }, (_, ctx) =>
      ctx.selectedOutputNames.includes("a") ? { a: 1 } : { b: 2 },
    );
    // Outs built at run time have no keys TypeScript knows of.
    const names = ["x", "y"];
    const outs = Object.fromEntries(names.map((n) => [n, new AssetOut()]));
    multiAsset({ name: "dynamic", outs }, () => Object.fromEntries(names.map((n, i) => [n, i])));
  });

  it("checks a graph multi-asset's op outputs against the outs' declared types", () => {
    const load = op("load", () => [1, 2, 3]);
    const split = op("split", { outs: ["small", "large"] }, (xs: number[]) => ({
      small: xs.filter((x) => x < 2),
      large: String(xs.length),
    }));
    graphMultiAsset({ name: "graph_mistyped", outs: { small: new AssetOut<number[]>(), large: new AssetOut<number[]>() } }, () =>
      // @ts-expect-error large is a string, not a number[]
      split(load()),
    );

    expect(() =>
      // @ts-expect-error large is not an out (the definition-time check says so too)
      graphMultiAsset({ name: "graph_extra", outs: { small: new AssetOut() } }, () => split(load())),
    ).toThrow('returns "large", which is not one of its outs');

    const fits = graphMultiAsset({ name: "graph_fits", outs: { small: new AssetOut<number[]>(), large: new AssetOut() } }, () =>
      split(load()),
    );
    expectTypeOf(fits.out.small).toEqualTypeOf<AssetOutputRef<number[]>>();
    expectTypeOf(fits.out.large).toEqualTypeOf<AssetOutputRef<string>>();
  });
});

describe("op outs, checked against the function", () => {
  it("rejects an output that is not one of the op's outs", () => {
    // @ts-expect-error "middle" is not one of the outs
    op("split_typo", { outs: ["evens", "odds"] }, (xs: number[]) => ({ evens: xs, odds: xs, middle: xs }));
    // @ts-expect-error there is no out "middle"
    op("split_yield_typo", { outs: ["evens", "odds"] }, function* (xs: number[]) {
      yield output(xs, { name: "middle" });
    });

    const split = op("split_ok", { outs: ["evens", "odds"] }, function* (xs: number[]) {
      yield output(
        xs.filter((x) => x % 2 === 0),
        { name: "evens" },
      );
      yield output(xs.map(String), { name: "odds" });
    });
    graphMultiAsset({ name: "split_graph", outs: { evens: new AssetOut(), odds: new AssetOut<string[]>() } }, () => {
      const handles = split(op("numbers", () => [1, 2])());
      expectTypeOf(handles.odds).toEqualTypeOf<OpHandle<string[]>>();
      return handles;
    });
    // Whether an op may leave an output out depends on the graph multi-asset using it.
    op("split_lazy", { outs: ["evens", "odds"] }, (xs: number[]) => ({ evens: xs }));
  });
});

describe("outputFor", () => {
  it("is typed by the asset or multi-asset output it is given, and unknown by key", async () => {
    const orders = asset("orders", () => [{ id: 1, total: 9.5 }]);
    const stats = multiAsset(
      { name: "stats", ins: { orders }, outs: { count: new AssetOut(), first: new AssetOut<Date>() } },
      ({ orders }) => ({
        count: orders.length,
        first: new Date(0),
      }),
    );

    const result = await materialize([orders, stats]);

    expectTypeOf(result.outputFor(orders)).toEqualTypeOf<{ id: number; total: number }[]>();
    expectTypeOf(result.outputFor(stats.out.count)).toEqualTypeOf<number>();
    expectTypeOf(result.outputFor(stats.out.first)).toEqualTypeOf<Date>();
    expectTypeOf(result.outputFor("orders")).toEqualTypeOf<unknown>();
    // @ts-expect-error count is a number
    const wrong: string = result.outputFor(stats.out.count);
    void wrong;
    expect(result.outputFor(orders)[0]?.total).toBe(9.5);
    expect(result.outputFor(stats.out.count)).toBe(1);
    expect(result.outputFor(stats.out.first).getTime()).toBe(0);
    expect(result.outputFor("count")).toBe(1);
  });
});
