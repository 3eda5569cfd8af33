import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registrationsSettled } from "../src/catalog/register.js";
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

    // The statistics refresh and the pending lists' merge run behind the answer (on PGlite, once
    // it is written), and registrationsSettled waits for them.
    await registrationsSettled(app.db.sql);
    const [stats] = await app.db.sql.query<{ analyzed: boolean }>(
      `SELECT last_analyze IS NOT NULL AS analyzed FROM pg_stat_user_tables WHERE relname = 'AssetNode'`,
    );
    expect(stats?.analyzed).toBe(true);
    const [merge] = await app.db.sql.query<{ pending: number }>(
      `SELECT count(*)::int AS pending FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam
        CROSS JOIN LATERAL gin_clean_pending_list(i.indexrelid) AS cleaned
       WHERE i.indrelid = '"AssetNode"'::regclass AND am.amname = 'gin' AND cleaned > 0`,
    );
    expect(merge?.pending, "GIN indexes with entries still pending").toBe(0);
  });

  it("leaves every node with its Asset and location rows (no foreign key checks them: the registration does)", async () => {
    const [orphans] = await app.db.sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM "AssetNode" n LEFT JOIN "Asset" a ON a.key = n.key
        LEFT JOIN "CodeLocation" l ON l.id = n."locationId" WHERE a.key IS NULL OR l.id IS NULL`,
    );
    expect(orphans!.n).toBe(0);
    const [nodes] = await app.db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "AssetNode"`);
    expect(nodes!.n).toBeGreaterThanOrEqual(COUNT);
  });
});
