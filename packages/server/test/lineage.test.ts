import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { manifestOf, REGISTER } from "../src/testing/manifests.js";
import { createTestApp, type TestApp } from "../src/testing/test-app.js";
import { testDialect } from "../src/testing/test-database.js";

let app: TestApp;
async function register(name: string, assets: Parameters<typeof manifestOf>[0]) {
  const { manifest, hash } = manifestOf(assets);
  const result = await app.gql(REGISTER, { name, manifest, hash });
  expect(result.data!.registerCodeLocation.__typename).toBe("RegisterCodeLocationSuccess");
}

beforeAll(async () => {
  app = await createTestApp();
  // B and C depend on A's asset by key; B registers before A exists.
  await register("b", [{ key: "b_one", deps: ["upstream"] }, { key: "b_two", deps: ["b_one"] }]);
  await register("a", [{ key: "raw" }, { key: "upstream", deps: ["raw"] }]);
  await register("c", [{ key: "c_one", deps: ["upstream"] }]);
});
afterAll(() => app.close());

const names = (list: Array<{ key: string }>) => list.map((a) => a.key);

describe(`lineage across code locations (${testDialect})`, () => {
  it('lists both dependents of "upstream", from two other locations', async () => {
    const result = await app.gql(`{ asset(key: "upstream") { ... on Asset { downstream { key definition { location { name } } } upstream { key } } } }`);
    expect(result.data!.asset.downstream).toEqual([
      { key: "b_one", definition: { location: { name: "b" } } },
      { key: "c_one", definition: { location: { name: "c" } } },
    ]);
    expect(names(result.data!.asset.upstream)).toEqual(["raw"]);
  });

  it("walks as deep as asked, or all the way with depth null", async () => {
    const one = await app.gql(`{ asset(key: "raw") { ... on Asset { downstream(depth: 1) { key } } } }`);
    expect(names(one.data!.asset.downstream)).toEqual(["upstream"]);
    const all = await app.gql(`{ asset(key: "raw") { ... on Asset { downstream(depth: null) { key } } } }`);
    expect(names(all.data!.asset.downstream)).toEqual(["b_one", "b_two", "c_one", "upstream"]);
    const two = await app.gql(`{ asset(key: "b_two") { ... on Asset { upstream(depth: 2) { key } } } }`);
    expect(names(two.data!.asset.upstream)).toEqual(["b_one", "upstream"]);
  });

  it("draws the neighbourhood of keys with nodes and edges", async () => {
    const result = await app.gql(`{ lineage(keys: ["upstream"], upstreamDepth: 1, downstreamDepth: 1) { nodes { key isDefined } edges { upstream downstream } } }`);
    expect(names(result.data!.lineage.nodes)).toEqual(["b_one", "c_one", "raw", "upstream"]);
    expect(result.data!.lineage.edges).toEqual([
      { upstream: "upstream", downstream: "b_one" },
      { upstream: "upstream", downstream: "c_one" },
      { upstream: "raw", downstream: "upstream" },
    ]);
  });

  it("draws the whole graph without keys", async () => {
    const result = await app.gql(`{ lineage { nodes { key } edges { upstream downstream } } }`);
    expect(names(result.data!.lineage.nodes)).toEqual(["b_one", "b_two", "c_one", "raw", "upstream"]);
    expect(result.data!.lineage.edges).toHaveLength(4);
  });

  it("shows a dependency on a key no location defines as an undefined node", async () => {
    await register("d", [{ key: "d_one", deps: ["vendor/feed"] }]);
    const result = await app.gql(`{ lineage(keys: ["d_one"], upstreamDepth: 1, downstreamDepth: 0) { nodes { key isDefined } edges { upstream downstream } } }`);
    expect(result.data!.lineage).toEqual({
      nodes: [{ key: "d_one", isDefined: true }, { key: "vendor/feed", isDefined: false }],
      edges: [{ upstream: "vendor/feed", downstream: "d_one" }],
    });
  });

  it("terminates on a cycle that spans two locations", async () => {
    await register("x", [{ key: "x_one", deps: ["y_one"] }]);
    await register("y", [{ key: "y_one", deps: ["x_one"] }]);
    const result = await app.gql(`{ asset(key: "x_one") { ... on Asset { upstream(depth: null) { key } downstream(depth: 50) { key } } } }`);
    expect(names(result.data!.asset.upstream)).toEqual(["y_one"]);
    expect(names(result.data!.asset.downstream)).toEqual(["y_one"]);
  });

  it("rejects a depth out of range and an invalid key", async () => {
    const deep = await app.gql(`{ lineage(keys: ["raw"], upstreamDepth: 5000) { edges { upstream } } }`);
    expect(deep.errors![0]!.message).toMatch(/upstreamDepth: must be from 0 to 1000/);
    const bad = await app.gql(`{ lineage(keys: ["ok", "not ok"]) { edges { upstream } } }`);
    expect(bad.errors![0]!.message).toMatch(/keys.1: "not ok" is not an asset key/);
  });
});
