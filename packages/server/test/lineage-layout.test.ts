import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { FixtureAsset } from "../src/testing/manifests.js";
import { createTestApp, type TestApp } from "../src/testing/test-app.js";
import { testDialect } from "../src/testing/test-database.js";
import { registerAssets } from "./support/register-assets.js";

let app: TestApp;
const register = (name: string, assets: FixtureAsset[]) => registerAssets(app, name, assets);

const LAYOUT = `{ lineageLayout {
  graphHash cached computeMs nodeWidth nodeHeight keys x y group edges groupEdges syncStates checkHealth
  groups { name location assetCount x y width height }
} }`;

interface Layout {
  graphHash: string;
  cached: boolean;
  nodeWidth: number;
  nodeHeight: number;
  keys: string[];
  x: number[];
  y: number[];
  group: number[];
  edges: number[];
  groupEdges: number[];
  syncStates: Array<string | null>;
  checkHealth: Array<string | null>;
  groups: Array<{ name: string; location: string | null; assetCount: number; x: number; y: number; width: number; height: number }>;
}

async function layout(): Promise<Layout> {
  const result = await app.gql(LAYOUT);
  expect(result.errors).toBeUndefined();
  return result.data!.lineageLayout as Layout;
}

beforeAll(async () => {
  app = await createTestApp();
  await register("sales", [
    { key: "sales/orders", group: "raw", deps: ["vendor/feed"] },
    { key: "sales/clean_orders", group: "clean", deps: ["sales/orders"] },
    { key: "sales/revenue", group: "clean", deps: ["sales/clean_orders"] },
  ]);
  await register("finance", [{ key: "finance/ledger", group: "books", deps: ["sales/revenue"] }]);
});
afterAll(() => app.close());

describe(`the lineage layout (${testDialect})`, () => {
  it("places every asset of every location in its group's box, with the edges between them", async () => {
    const l = await layout();
    expect(l.keys).toEqual(["finance/ledger", "sales/clean_orders", "sales/orders", "sales/revenue", "vendor/feed"]);
    expect(l.groups.map((g) => [g.location, g.name, g.assetCount])).toEqual([
      [null, "external", 1],
      ["finance", "books", 1],
      ["sales", "clean", 2],
      ["sales", "raw", 1],
    ]);
    const at = (key: string) => l.keys.indexOf(key);
    for (let n = 0; n < l.keys.length; n++) {
      const g = l.groups[l.group[n]!]!;
      expect(l.x[n]! >= g.x && l.x[n]! + l.nodeWidth <= g.x + g.width, l.keys[n]).toBe(true);
      expect(l.y[n]! >= g.y && l.y[n]! + l.nodeHeight <= g.y + g.height, l.keys[n]).toBe(true);
    }
    // Left to right along the dependencies.
    expect(l.x[at("vendor/feed")]!).toBeLessThan(l.x[at("sales/orders")]!);
    expect(l.x[at("sales/orders")]!).toBeLessThan(l.x[at("sales/clean_orders")]!);
    expect(l.x[at("sales/clean_orders")]!).toBeLessThan(l.x[at("sales/revenue")]!);
    expect(l.x[at("sales/revenue")]!).toBeLessThan(l.x[at("finance/ledger")]!);
    const pairs = [];
    for (let e = 0; e < l.edges.length; e += 2) pairs.push(`${l.keys[l.edges[e]!]} -> ${l.keys[l.edges[e + 1]!]}`);
    expect(pairs.sort()).toEqual([
      "sales/clean_orders -> sales/revenue",
      "sales/orders -> sales/clean_orders",
      "sales/revenue -> finance/ledger",
      "vendor/feed -> sales/orders",
    ]);
    expect(l.groupEdges.length).toBe(9);
    expect(l.checkHealth).toEqual([null, null, null, null, null]);
    // Sync states are refreshed shortly after registration (null until then); none for the external asset.
    await vi.waitFor(async () => expect((await layout()).syncStates).toEqual(["MISSING", "MISSING", "MISSING", "MISSING", null]));
  });

  it("answers from its cache until a location registers a new manifest, with the states read live", async () => {
    const first = await layout();
    const again = await layout();
    expect(again.cached).toBe(true);
    expect(again.graphHash).toBe(first.graphHash);

    const stored = await app.gql(`mutation { reportMaterialization(assetKey: "sales/orders") { __typename } }`);
    expect(stored.data!.reportMaterialization.__typename).toBe("Materialization");
    await vi.waitFor(async () => {
      const states = await layout();
      expect(states.cached).toBe(true);
      expect(states.syncStates[states.keys.indexOf("sales/orders")]).toBe("SYNCED");
    });

    await register("finance", [
      { key: "finance/ledger", group: "books", deps: ["sales/revenue"] },
      { key: "finance/report", group: "books", deps: ["finance/ledger"] },
    ]);
    const changed = await layout();
    expect(changed.cached).toBe(false);
    expect(changed.graphHash).not.toBe(first.graphHash);
    expect(changed.keys).toContain("finance/report");
  });

  it("needs the read scope", async () => {
    const anonymous = await app.gql(LAYOUT, {}, null);
    expect(anonymous.errors![0]).toMatchObject({ extensions: { code: "FORBIDDEN", requiredScope: "read" } });
  });
});
