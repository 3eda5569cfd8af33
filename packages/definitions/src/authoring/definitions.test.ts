import { describe, expect, it } from "vitest";
import { AssetIn } from "./asset-in.js";
import { AssetOut } from "./asset-out.js";
import { asset } from "./asset.js";
import { DefinitionError, type DefinitionErrorCode } from "./definition-error.js";
import { Definitions } from "./definitions.js";
import { graphAsset } from "./graph-asset.js";
import { multiAsset } from "./multi-asset.js";
import { op } from "./op.js";
import { requiredResource } from "./resource.js";

function definitionError(fn: () => unknown): DefinitionError {
  try {
    fn();
  } catch (error) {
    if (error instanceof DefinitionError) return error;
    throw new Error(`expected a DefinitionError, got ${String(error)}`);
  }
  throw new Error("expected a DefinitionError, nothing was thrown");
}

function expectCode(fn: () => unknown, code: DefinitionErrorCode, culprit: string, fragment: string) {
  const error = definitionError(fn);
  expect(error.code).toBe(code);
  expect(error.culprit).toBe(culprit);
  expect(error.message).toContain(fragment);
}

describe("definition-time errors", () => {
  it("invalid_name: an asset, op or multi-asset name outside [A-Za-z0-9_-]", () => {
    expectCode(() => asset("my asset", () => 1), "invalid_name", 'asset "my asset"', "is not a valid name");
    expectCode(() => op("step.one", () => 1), "invalid_name", 'op "step.one"', "op name");
    expectCode(
      () => multiAsset({ name: "", outs: { a: new AssetOut() } }, () => ({ a: 1 })),
      "invalid_name",
      'multi-asset ""',
      "multi-asset name",
    );
    expectCode(() => asset("grouped", { group: "my group" }, () => 1), "invalid_name", 'asset "grouped"', "group");
  });

  it("invalid_key: a key part with a forbidden character", () => {
    expectCode(() => asset({ key: "sales/or.ders" }, () => 1), "invalid_key", 'asset "sales/or.ders"', 'invalid part "or.ders"');
    expectCode(() => asset("x", { keyPrefix: ["ok", "not ok"] }, () => 1), "invalid_key", 'asset "x"', '"not ok"');
  });

  it("invalid_owner: neither an email nor team:<name>", () => {
    expectCode(() => asset("owned", { owners: ["ana@example.com", "bob"] }, () => 1), "invalid_owner", 'asset "owned"', 'owner "bob"');
    expectCode(() => asset("team_owned", { owners: ["team:"] }, () => 1), "invalid_owner", 'asset "team_owned"', '"team:"');
    expect(() => asset("well_owned", { owners: ["ana@example.com", "team:data-eng"] }, () => 1)).not.toThrow();
  });

  it("invalid_tag: a tag value that is not a string", () => {
    expectCode(() => asset("tagged", { tags: { tier: 1 as unknown as string } }, () => 1), "invalid_tag", 'asset "tagged"', "string value");
  });

  it("invalid_option: contradictory naming, missing function, bad retry policy, metadata without JSON form", () => {
    expectCode(() => asset({ name: "a", key: "b" }, () => 1), "invalid_option", 'asset "a"', "either key, or name");
    expectCode(() => asset("no_fn", {}, undefined as never), "invalid_option", 'asset "no_fn"', "function is missing");
    expectCode(() => asset("retrying", { retryPolicy: { maxRetries: -1 } }, () => 1), "invalid_option", 'asset "retrying"', "maxRetries");
    expectCode(() => asset("meta", { metadata: { n: 10n } }, () => 1), "invalid_option", 'asset "meta"', "JSON");
    const both = multiAsset({ name: "both", outs: { a: new AssetOut(), b: new AssetOut() } }, () => ({ a: 1, b: 2 }));
    expectCode(() => asset("picky", { ins: { both: both as never } }, () => 1), "invalid_option", 'asset "picky"', ".out.<name>");
  });

  it("duplicate_key: two definitions of one asset key", () => {
    const first = asset("orders", () => 1);
    const second = asset({ key: "orders" }, () => 2);
    expectCode(
      () => new Definitions({ assets: [first, second] }),
      "duplicate_key",
      'asset "orders"',
      'by asset "orders" and by asset "orders"',
    );
    expect(() => new Definitions({ assets: [first, first] })).not.toThrow();
  });

  it("duplicate_step_key: a multi-asset named like another asset", () => {
    const orders = asset("orders", () => 1);
    const named = multiAsset({ name: "orders", outs: { raw_orders: new AssetOut() } }, () => ({ raw_orders: 1 }));
    expectCode(() => new Definitions({ assets: [orders, named] }), "duplicate_step_key", 'step "orders"', "rename one");
  });

  it("cycle: prints the cycle", () => {
    const a = asset("a", { deps: ["c"] }, () => 1);
    const b = asset("b", { ins: { a } }, ({ a }) => a);
    const c = asset("c", { ins: { b } }, ({ b }) => b);
    const error = definitionError(() => new Definitions({ assets: [a, b, c] }));
    expect(error.code).toBe("cycle");
    expect(error.message).toMatch(/cycle: (a → b → c → a|b → c → a → b|c → a → b → c)$/);
  });

  it("missing_upstream: an ins reference to an asset left out of the definitions", () => {
    const orders = asset("orders", () => [1]);
    const revenue = asset("revenue", { ins: { orders } }, ({ orders }) => orders.length);
    expectCode(
      () => new Definitions({ assets: [revenue] }),
      "missing_upstream",
      'asset "revenue"',
      'input "orders" refers to asset "orders"',
    );
    const byDeps = asset("after", { deps: [orders] }, () => 1);
    expectCode(() => new Definitions({ assets: [byDeps] }), "missing_upstream", 'asset "after"', "a dep refers to");
  });

  it("allows inputs and deps by key that no asset here produces (another location's)", () => {
    const report = asset(
      "report",
      { ins: { orders: new AssetIn({ key: "sales/orders" }) }, deps: ["finance/ledger"] },
      ({ orders }) => orders,
    );
    const { manifest } = new Definitions({ assets: [report] }).manifest();
    expect(manifest.assets[0]!.deps).toEqual(["finance/ledger", "sales/orders"]);
    expect(manifest.steps[0]!.externalInputs).toEqual([{ name: "orders", assetKey: "sales/orders" }]);
  });

  it("unwired_op: an op whose output nothing uses", () => {
    const used = op("used", () => 1);
    const dangling = op("dangling", () => 2);
    expectCode(
      () =>
        graphAsset("graph", () => {
          dangling();
          return used();
        }),
      "unwired_op",
      'op "graph.dangling"',
      "used by no other op",
    );
  });

  it("invalid_graph: an async graph function, a returned graph input, a value that is not a handle", () => {
    const one = op("one", () => 1);
    expectCode(() => graphAsset("async_graph", (async () => one()) as never), "invalid_graph", 'graph asset "async_graph"', "synchronous");
    const upstream = asset("upstream", () => 1);
    expectCode(
      () => graphAsset("passthrough", { ins: { upstream } }, ({ upstream }) => upstream),
      "invalid_graph",
      'graph asset "passthrough"',
      "input of the graph",
    );
    const takes = op("takes", (n: number) => n);
    expectCode(
      () => graphAsset("raw_value", () => takes(5 as never)),
      "invalid_graph",
      'op "takes" in graph asset "raw_value"',
      "argument 1",
    );
    expectCode(
      () =>
        graphAsset("throws", () => {
          throw new Error("oops");
        }),
      "invalid_graph",
      'graph asset "throws"',
      "the graph function threw: oops",
    );
  });

  it("op_outside_graph: invoking an op outside a graph function", () => {
    const lonely = op("lonely", () => 1);
    expectCode(() => lonely(), "op_outside_graph", 'op "lonely"', "inside the function given to graphAsset");
  });

  it("missing_resource: a resource a step needs that nobody provides", () => {
    const needy = asset("needy", { resources: { warehouse: requiredResource() } }, () => 1);
    expectCode(() => new Definitions({ assets: [needy] }), "missing_resource", 'asset "needy"', 'resource "warehouse"');
    expect(() => new Definitions({ assets: [needy], resources: { warehouse: {} } })).not.toThrow();
  });

  it("missing_io_manager: an IO manager key nobody provides", () => {
    const stored = asset("stored", { ioManagerKey: "warehouse_io" }, () => 1);
    expectCode(() => new Definitions({ assets: [stored] }), "missing_io_manager", 'asset "stored"', 'IO manager "warehouse_io"');
  });
});
