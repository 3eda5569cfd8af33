import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AssetSearch, buildSearch } from "../src/catalog/search.js";
import { createTestApp, type TestApp } from "../src/testing/test-app.js";
import { testDialect } from "../src/testing/test-database.js";
import { createRegisteredTestApp, registerAssets } from "./support/register-assets.js";

// A text search first reads a bounded run of keys in key order, then, when that run holds less
// than a page, the trigram index (catalog/search.ts). With pages of 2 the run is 60 keys, so
// these words are found by either statement, or by one on a page and the other on the next.
const COUNT = 400;
const key = (n: number) => `bulk/item_${String(n).padStart(3, "0")}`;
const words = (n: number) => [n % 3 === 0 ? "spread" : "", n >= 350 ? "tail" : "", n === 200 ? "needle" : ""].join(" ");

let app: TestApp;
beforeAll(async () => {
  app = await createRegisteredTestApp(
    "bulk",
    Array.from({ length: COUNT }, (_, n) => ({ key: key(n), description: `item ${words(n)}` })),
  );
});
afterAll(() => app.close());

const SEARCH = `query Search($search: String, $first: Int, $after: String) {
  assets(search: $search, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { key } }
  }
}`;

describe(`catalog text search, page by page (${testDialect})`, () => {
  it.each([
    ["spread", (n: number) => n % 3 === 0],
    ["tail", (n: number) => n >= 350],
    ["spread tail", (n: number) => n % 3 === 0 && n >= 350],
    ["needle", (n: number) => n === 200],
    ["item_39", (n: number) => n >= 390],
    ["absent", () => false],
  ])("finds every match of %j in key order, whether spread, clustered at the end or rare", async (search, matches) => {
    const expected = Array.from({ length: COUNT }, (_, n) => n)
      .filter(matches)
      .map(key);
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const result: { data?: any; errors?: unknown } = await app.gql(SEARCH, { search, first: 2, after });
      expect(result.errors).toBeUndefined();
      const page = result.data!.assets;
      expect(page.totalCount).toBe(expected.length);
      seen.push(...page.edges.map((e: { node: { key: string } }) => e.node.key));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    expect(seen).toEqual(expected);
  });
});

describe(`which statement a text search tries first (${testDialect})`, () => {
  let tapped: TestApp;
  let statements: string[] = [];
  beforeAll(async () => {
    tapped = await createTestApp({ tap: { before: (text) => statements.push(text) } });
    await registerAssets(
      tapped,
      "bulk",
      Array.from({ length: COUNT }, (_, n) => ({ key: key(n), description: `item ${words(n)}` })),
    );
    await tapped.db.sql.query(`ANALYZE "AssetNode"`);
  });
  afterAll(() => tapped.close());

  const pageStatements = async (search: string) => {
    statements = [];
    const result = await tapped.gql(SEARCH, { search, first: 2 });
    expect(result.errors).toBeUndefined();
    return {
      keys: result.data.assets.edges.map((e: { node: { key: string } }) => e.node.key),
      head: statements.filter((s) => /ORDER BY n\.key LIMIT \d+\) n/.test(s)).length,
      trigram: statements.filter((s) => s.includes("ORDER BY n.key || ''") && !s.startsWith("EXPLAIN")).length,
    };
  };

  it("reads the first keys in order when the planner expects them to hold a page", async () => {
    expect(await pageStatements("spread")).toEqual({ keys: [key(0), key(3)], head: 1, trigram: 0 });
  });

  it("goes straight to the trigram index for a word too rare to fill a page there", async () => {
    expect(await pageStatements("needle")).toEqual({ keys: [key(200)], head: 0, trigram: 1 });
  });
});

describe(`the filters' partial indexes (${testDialect})`, () => {
  // Partial: a registration writes no entry for an empty list or a state not set yet. The planner
  // may use one only where the query implies its predicate; with sequential scans off, it picks
  // the filter's own index exactly when it can.
  it.each<[AssetSearch, string]>([
    [{ owner: "team:finance" }, "AssetNode_owners_idx"],
    [{ kind: "postgres" }, "AssetNode_kinds_idx"],
    [{ tag: "tier=gold" }, "AssetNode_tagPairs_idx"],
    [{ checkHealth: "FAILING" }, "AssetNode_checkHealth_key_idx"],
    [{ syncStatus: "UNSYNCED" }, "AssetNode_syncState_key_idx"],
  ])("a search by %j can use %s", async (filter, index) => {
    const { where, params } = buildSearch(filter, false);
    const plan = await app.db.sql.transaction(async (tx) => {
      await tx.query("SET LOCAL enable_seqscan = off");
      return JSON.stringify(await tx.query(`EXPLAIN (FORMAT JSON) SELECT n.key FROM "AssetNode" n WHERE ${where}`, params));
    });
    expect(plan).toContain(index);
  });
});
