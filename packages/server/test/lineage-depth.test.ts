import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FixtureAsset } from "../src/testing/manifests.js";
import { createTestApp, type TestApp } from "../src/testing/test-app.js";
import { testDialect } from "../src/testing/test-database.js";
import { registerAssets } from "./support/register-assets.js";

let app: TestApp;
const register = (name: string, assets: FixtureAsset[]) => registerAssets(app, name, assets);
const names = (list: Array<{ key: string }>) => list.map((a) => a.key);

beforeAll(async () => {
  app = await createTestApp();
}, 60_000);
afterAll(() => app.close());

describe(`depth-bounded lineage walks (${testDialect})`, () => {
  it("reach each asset by its shortest path, in the lineage query and in nested fields alike", async () => {
    // A chain of ten with a shortcut: short/k9 depends on short/k0 directly as well.
    const key = (i: number) => `short/k${i}`;
    await register(
      "short",
      Array.from({ length: 10 }, (_, i) => ({ key: key(i), deps: i === 0 ? [] : i === 9 ? [key(8), key(0)] : [key(i - 1)] })),
    );
    const result = await app.gql(`{
      lineage(keys: ["short/k9"], upstreamDepth: 2, downstreamDepth: 0) { nodes { key } }
      asset(key: "short/k9") { ... on Asset { upstream(depth: 2) { key } } }
      k0: asset(key: "short/k0") { ... on Asset { downstream(depth: 1) { key } } }
    }`);
    expect(result.errors).toBeUndefined();
    expect(names(result.data!.lineage.nodes)).toEqual([key(0), key(7), key(8), key(9)]);
    expect(names(result.data!.asset.upstream)).toEqual([key(0), key(7), key(8)]);
    expect(names(result.data!.k0.downstream)).toEqual([key(1), key(9)]);
  });

  it("draw twenty neighbourhoods 1,000 levels deep across a dense cycle, each asset visited once per walk", async () => {
    // Three locations of 70 assets, each asset depending on every asset of the two others: from
    // any asset, every asset is reached again at every step. A walk that kept each asset once per
    // distance did 1,000 levels × 29,400 edges per walk, over a billion rows for this query
    // (minutes); one that visits each asset once stops after two levels.
    const locations = ["ping", "pong", "pang"];
    const side = (location: string) => Array.from({ length: 70 }, (_, i) => `${location}/a${String(i).padStart(3, "0")}`);
    for (const location of locations) {
      const deps = locations.filter((other) => other !== location).flatMap(side);
      await register(
        location,
        side(location).map((key) => ({ key, deps })),
      );
    }
    const starts = [...side("ping"), ...side("pong")].filter((_, i) => i % 7 === 0);
    const result = await app.gql(`{
      ${starts.map((key, i) => `n${i}: lineage(keys: ["${key}"], upstreamDepth: 1000, downstreamDepth: 1000) { nodes { key } }`).join("\n")}
      asset(key: "pang/a000") { ... on Asset { upstream(depth: 1000) { key } downstream(depth: 999) { key } } }
    }`);
    expect(result.errors).toBeUndefined();
    const everything = locations.flatMap(side).sort();
    for (const i of starts.keys()) expect(names(result.data![`n${i}`].nodes)).toEqual(everything);
    const others = everything.filter((key) => key !== "pang/a000");
    expect(names(result.data!.asset.upstream)).toEqual(others);
    expect(names(result.data!.asset.downstream)).toEqual(others);
  }, 60_000);
});
