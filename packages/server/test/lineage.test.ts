import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FixtureAsset } from "../src/testing/manifests.js";
import type { Database } from "../src/db/database.js";
import { tapSql } from "../src/testing/tap-sql.js";
import { createTestApp, type TestApp } from "../src/testing/test-app.js";
import { gql } from "../src/testing/graphql.js";
import { createStrataYoga } from "../src/yoga.js";
import { testDialect } from "../src/testing/test-database.js";
import { registerAssets } from "./support/register-assets.js";

let app: TestApp;
const register = (name: string, assets: FixtureAsset[]) => registerAssets(app, name, assets);

beforeAll(async () => {
  app = await createTestApp();
  // B and C depend on A's asset by key; B registers before A exists.
  await register("b", [
    { key: "b_one", deps: ["upstream"] },
    { key: "b_two", deps: ["b_one"] },
  ]);
  await register("a", [{ key: "raw" }, { key: "upstream", deps: ["raw"] }]);
  await register("c", [{ key: "c_one", deps: ["upstream"] }]);
});
afterAll(() => app.close());

const names = (list: Array<{ key: string }>) => list.map((a) => a.key);

describe(`lineage across code locations (${testDialect})`, () => {
  it('lists both dependents of "upstream", from two other locations', async () => {
    const result = await app.gql(
      `{ asset(key: "upstream") { ... on Asset { downstream { key definition { location { name } } } upstream { key } } } }`,
    );
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
    const result = await app.gql(
      `{ lineage(keys: ["upstream"], upstreamDepth: 1, downstreamDepth: 1) { nodes { key isDefined } edges { upstream downstream } } }`,
    );
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

  it("answers nodes and edges the same whether or not their selection is plain (aliases, __typename, repeats, fragments, directives)", async () => {
    // A plain selection is built outside graphql-js's per-field execution (lineage-lean-edges.ts);
    // a directive or a fragment in it goes through graphql-js. Both must answer alike.
    const plain = await app.gql(
      `query Draw { first: lineage(keys: ["upstream"], upstreamDepth: 1, downstreamDepth: 1) { edges { to: downstream __typename upstream to: downstream } }
         second: lineage(keys: ["raw"], downstreamDepth: 1) { edges { downstream upstream } nodes { key } }
         third: lineage(keys: ["no/such_asset", "raw"], downstreamDepth: 1) { nodes { __typename id: key } }
         fourth: asset(key: "raw") { ... on Asset { downstream(depth: null) { key } } } }`,
    );
    const executed = await app.gql(
      `query Draw { first: lineage(keys: ["upstream"], upstreamDepth: 1, downstreamDepth: 1) { edges { to: downstream @include(if: true) __typename upstream to: downstream } }
         second: lineage(keys: ["raw"], downstreamDepth: 1) { edges { ...E } nodes { key @include(if: true) } }
         third: lineage(keys: ["no/such_asset", "raw"], downstreamDepth: 1) { nodes { __typename ... on Asset { id: key } } }
         fourth: asset(key: "raw") { ... on Asset { downstream(depth: null) { key @include(if: true) } } } }
       fragment E on LineageEdge { downstream upstream }`,
    );
    expect(plain.errors).toBeUndefined();
    expect(plain.data!.first.edges).toEqual([
      { to: "b_one", __typename: "LineageEdge", upstream: "upstream" },
      { to: "c_one", __typename: "LineageEdge", upstream: "upstream" },
      { to: "upstream", __typename: "LineageEdge", upstream: "raw" },
    ]);
    expect(plain.data!.third.nodes).toEqual([
      { __typename: "Asset", id: "raw" },
      { __typename: "Asset", id: "upstream" },
    ]);
    expect(names(plain.data!.fourth.downstream)).toEqual(["b_one", "b_two", "c_one", "upstream"]);
    expect(JSON.stringify(plain.data)).toBe(JSON.stringify(executed.data));
  });

  it("answers a large neighbourhood, serialized in slices, as graphql-js would", async () => {
    // 1,200 nodes and 1,199 edges: past the size at which lean-lists.ts streams the answer.
    await register(
      "long",
      Array.from({ length: 1200 }, (_, i) => ({
        key: `long/k${String(i).padStart(4, "0")}`,
        deps: i ? [`long/k${String(i - 1).padStart(4, "0")}`] : [],
      })),
    );
    const query = (directive: string) =>
      `{ lineage(keys: ["long/k0000"], downstreamDepth: null) { nodes { key ${directive} } edges { upstream ${directive} downstream } } }`;
    const response = await app.yoga.fetch("http://strata/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${app.admin}` },
      body: JSON.stringify({ query: query("") }),
    });
    const streamed = (await response.json()) as { data: { lineage: { nodes: unknown[]; edges: unknown[] } } };
    const executed = await app.gql(query("@include(if: true)"));
    expect(streamed.data.lineage.nodes).toHaveLength(1200);
    expect(streamed.data.lineage.edges).toHaveLength(1199);
    expect(streamed).toEqual({ data: executed.data });
  });

  it("sees an edge added or removed as soon as the location that declares it registers", async () => {
    await register("e", [{ key: "e_one", deps: ["raw"] }]);
    const before = await app.gql(`{ lineage(keys: ["e_one"], upstreamDepth: 1, downstreamDepth: 0) { edges { upstream downstream } } }`);
    expect(before.data!.lineage.edges).toEqual([{ upstream: "raw", downstream: "e_one" }]);
    await register("e", [{ key: "e_one", deps: ["raw", "upstream"] }]);
    const after = await app.gql(`{ asset(key: "e_one") { ... on Asset { upstream { key } } } }`);
    expect(names(after.data!.asset.upstream)).toEqual(["raw", "upstream"]);
    await register("e", [{ key: "e_one", deps: ["upstream"] }]);
    const removed = await app.gql(`{ lineage(keys: ["raw"], downstreamDepth: 1, upstreamDepth: 0) { nodes { key } } }`);
    expect(names(removed.data!.lineage.nodes)).toEqual(["raw", "upstream"]);
  });

  it("shows a dependency on a key no location defines as an undefined node", async () => {
    await register("d", [{ key: "d_one", deps: ["vendor/feed"] }]);
    const result = await app.gql(
      `{ lineage(keys: ["d_one"], upstreamDepth: 1, downstreamDepth: 0) { nodes { key isDefined } edges { upstream downstream } } }`,
    );
    expect(result.data!.lineage).toEqual({
      nodes: [
        { key: "d_one", isDefined: true },
        { key: "vendor/feed", isDefined: false },
      ],
      edges: [{ upstream: "vendor/feed", downstream: "d_one" }],
    });
  });

  it("terminates on a cycle that spans two locations", async () => {
    await register("x", [{ key: "x_one", deps: ["y_one"] }]);
    await register("y", [{ key: "y_one", deps: ["x_one"] }]);
    const result = await app.gql(
      `{ asset(key: "x_one") { ... on Asset { upstream(depth: null) { key } downstream(depth: 50) { key } } } }`,
    );
    expect(names(result.data!.asset.upstream)).toEqual(["y_one"]);
    expect(names(result.data!.asset.downstream)).toEqual(["y_one"]);
  });

  it("rejects a depth out of range and an invalid key", async () => {
    const deep = await app.gql(`{ lineage(keys: ["raw"], upstreamDepth: 5000) { edges { upstream } } }`);
    expect(deep.errors![0]!.message).toMatch(/upstreamDepth: must be from 0 to 1000/);
    const bad = await app.gql(`{ lineage(keys: ["ok", "not ok"]) { edges { upstream } } }`);
    expect(bad.errors![0]!.message).toMatch(/keys.1: "not ok" is not an asset key/);
  });

  describe("nested lineage fields cost work bounded by the graph, not by the query's shape", () => {
    const chain = (prefix: string, length: number) =>
      Array.from({ length }, (_, i) => ({
        key: `${prefix}/k${String(i).padStart(3, "0")}`,
        deps: i ? [`${prefix}/k${String(i - 1).padStart(3, "0")}`] : [],
      }));

    /** The app over the same database, counting every statement it sends (SQL and Prisma alike). */
    function countingYoga() {
      let statements = 0;
      const prisma = app.db.prisma.$extends({
        query: { $allModels: { $allOperations: ({ args, query }) => (statements++, query(args)) } },
      }) as unknown as Database["prisma"];
      const db: Database = { ...app.db, sql: tapSql(app.db.sql, { before: () => statements++ }), prisma, close: async () => undefined };
      const yoga = createStrataYoga({ db, logger: app.logger, pubsub: app.pubsub, auth: "required", runs: app.runs, graphiql: false });
      let authenticated = false;
      return {
        async run(query: string) {
          // The server remembers a checked token (TOKEN_CACHE_MS): check it once first, so that
          // every query counts its own statements only.
          if (!authenticated) await gql(yoga, "{ __typename }", {}, { authorization: `Bearer ${app.admin}` });
          authenticated = true;
          statements = 0;
          const result = await gql(yoga, query, {}, { authorization: `Bearer ${app.admin}` });
          return { result, statements };
        },
      };
    }

    const fiveLevels = (prefix: string, last: number) =>
      `{ lineage(keys: ["${prefix}/k${String(last).padStart(3, "0")}"], downstreamDepth: 0) { nodes { key upstream { key upstream { key upstream { key upstream { key upstream { key } } } } } } } }`;

    it("answers a 5-level query over an 80-asset chain with as many statements as over a 40-asset one", async () => {
      await register("chain80", chain("c80", 80));
      await register("chain40", chain("c40", 40));
      const counting = countingYoga();
      // The server reads the graph once per set of location versions (catalog/lineage-graph.ts):
      // read it first, so both queries below count their own statements only.
      await counting.run(`{ lineage(keys: []) { edges { upstream } } }`);
      const long = await counting.run(fiveLevels("c80", 79));
      const short = await counting.run(fiveLevels("c40", 39));
      expect(long.result.errors).toBeUndefined();
      expect(long.result.data!.lineage.nodes).toHaveLength(80);
      const k010 = long.result.data!.lineage.nodes.find((n: { key: string }) => n.key === "c80/k010");
      expect(k010).toEqual({
        key: "c80/k010",
        upstream: [
          {
            key: "c80/k009",
            upstream: [
              { key: "c80/k008", upstream: [{ key: "c80/k007", upstream: [{ key: "c80/k006", upstream: [{ key: "c80/k005" }] }] }] },
            ],
          },
        ],
      });
      const k000 = long.result.data!.lineage.nodes.find((n: { key: string }) => n.key === "c80/k000");
      expect(k000.upstream).toEqual([]);
      // Before: two statements per asset per level (a walk and a load), 800 for the long chain.
      expect(long.statements).toBeLessThanOrEqual(20);
      expect(long.statements).toBe(short.statements);
    });

    it("walks a deep upstream once for all the assets that ask for it", async () => {
      const counting = countingYoga();
      const { result, statements } = await counting.run(
        `{ lineage(keys: ["c80/k079"], downstreamDepth: 0) { nodes { key upstream(depth: null) { key } } } }`,
      );
      expect(result.errors).toBeUndefined();
      const k079 = result.data!.lineage.nodes.find((n: { key: string }) => n.key === "c80/k079");
      expect(k079.upstream).toHaveLength(79);
      expect(statements).toBeLessThanOrEqual(8);
    });

    it("refuses, with a code, a query whose nested lineage would return more than the limit", async () => {
      const result = await app.gql(
        `{ lineage(keys: ["c80/k079"], downstreamDepth: 0) { nodes { key upstream(depth: null) { key upstream(depth: null) { key } } } } }`,
      );
      expect(result.errors![0]!.extensions).toMatchObject({ code: "BAD_USER_INPUT", argument: "depth" });
      expect(result.errors![0]!.message).toMatch(/more than 10000 assets/);
    });
  });
});
