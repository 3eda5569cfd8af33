import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { manifestOf, REGISTER } from "../src/testing/manifests.js";
import { createTestApp, type TestApp } from "../src/testing/test-app.js";
import { testDialect } from "../src/testing/test-database.js";

// Above 1,000 assets written, a registration appends its search index entries to the GIN
// pending lists and merges them (and refreshes statistics) after the commit (register.ts).
const COUNT = 1_200;
const key = (n: number) => `large/item_${String(n).padStart(4, "0")}`;

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(() => app.close());

const SEARCH = `query($search: String, $owner: String) { assets(search: $search, owner: $owner, first: 50) { totalCount edges { node { key } } } }`;

describe(`a large registration (${testDialect})`, () => {
  it("is searchable by text and owner as soon as it answers, and its index maintenance follows", async () => {
    const assets = Array.from({ length: COUNT }, (_, n) => ({
      key: key(n),
      description: n % 400 === 7 ? "holds the needle" : "plain",
      owners: n === 1_111 ? ["team:rare"] : ["team:common"],
    }));
    const { manifest, hash } = manifestOf(assets);
    const registered = await app.gql(REGISTER, { name: "large", manifest, hash });
    expect(registered.data!.registerCodeLocation.__typename).toBe("RegisterCodeLocationSuccess");

    const needle = await app.gql(SEARCH, { search: "needle" });
    expect(needle.errors).toBeUndefined();
    expect(needle.data!.assets.edges.map((e: { node: { key: string } }) => e.node.key)).toEqual([key(7), key(407), key(807)]);
    const rare = await app.gql(SEARCH, { owner: "team:rare" });
    expect(rare.data!.assets.edges.map((e: { node: { key: string } }) => e.node.key)).toEqual([key(1_111)]);

    // The statistics refresh ran (behind the answer on PostgreSQL, before it on PGlite).
    const deadline = Date.now() + 15_000;
    let analyzed = false;
    while (!analyzed && Date.now() < deadline) {
      const [row] = await app.db.sql.query<{ analyzed: boolean }>(
        `SELECT last_analyze IS NOT NULL AS analyzed FROM pg_stat_user_tables WHERE relname = 'AssetNode'`,
      );
      analyzed = row?.analyzed ?? false;
      if (!analyzed) await new Promise((r) => setTimeout(r, 100));
    }
    expect(analyzed).toBe(true);
  });
});
