import { textOf } from "../src/db/sql.js";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { manifestOf, REGISTER } from "../src/testing/manifests.js";
import { createTestApp, type TestApp } from "../src/testing/test-app.js";
import { testDialect } from "../src/testing/test-database.js";

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
  const locations = {
    sales: manifestOf([
      {
        key: "sales/orders",
        description: "Every order placed in the web shop",
        owners: ["ana@example.com"],
        kinds: ["postgres"],
        tags: { tier: "gold" },
      },
      { key: "sales/refunds", description: "Refunds issued", owners: ["team:finance"], kinds: ["postgres"], tags: { tier: "silver" } },
      {
        key: "sales/revenue",
        deps: ["sales/orders", "sales/refunds"],
        group: "finance",
        owners: ["team:finance"],
        kinds: ["dbt"],
        tags: { tier: "gold", pii: "no" },
      },
      { key: "salesforce/accounts", metadata: { source: { type: "url", value: "https://crm.example.com/export" } } },
    ]),
    web: manifestOf([
      {
        key: "web/events",
        kinds: ["s3"],
        metadata: { note: { type: "markdown", value: "Clickstream from the **tracker**" }, rows: { type: "int", value: 5 } },
      },
      ...Array.from({ length: 12 }, (_, i) => ({ key: `web/page_${String(i).padStart(2, "0")}`, group: "pages" })),
    ]),
  };
  for (const [name, { manifest, hash }] of Object.entries(locations)) {
    const result = await app.gql(REGISTER, { name, manifest, hash });
    expect(result.data!.registerCodeLocation.__typename).toBe("RegisterCodeLocationSuccess");
  }
});
afterAll(() => app.close());

const SEARCH = `query Search($search: String, $keyPrefix: String, $group: String, $owner: String, $tag: String, $kind: String, $location: String, $first: Int, $after: String) {
  assets(search: $search, keyPrefix: $keyPrefix, group: $group, owner: $owner, tag: $tag, kind: $kind, location: $location, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { key } }
  }
}`;

async function keys(variables: Record<string, unknown>) {
  const result = await app.gql(SEARCH, variables);
  expect(result.errors).toBeUndefined();
  return result.data!.assets.edges.map((e: { node: { key: string } }) => e.node.key);
}

describe(`catalog search (${testDialect})`, () => {
  it("finds a substring of the key, case-insensitively", async () => {
    expect(await keys({ search: "REFUND" })).toEqual(["sales/refunds"]);
    expect(await keys({ search: "page_1" })).toEqual(["web/page_10", "web/page_11"]);
  });

  it("searches descriptions and textual metadata, every word required", async () => {
    expect(await keys({ search: "web shop" })).toEqual(["sales/orders"]);
    expect(await keys({ search: "tracker" })).toEqual(["web/events"]);
    expect(await keys({ search: "crm.example" })).toEqual(["salesforce/accounts"]);
    expect(await keys({ search: "orders tracker" })).toEqual([]);
  });

  it("treats LIKE wildcards in the search as plain characters", async () => {
    expect(await keys({ search: "%" })).toEqual([]);
    expect(await keys({ search: "_" })).toEqual([
      "web/page_00",
      "web/page_01",
      "web/page_02",
      "web/page_03",
      "web/page_04",
      "web/page_05",
      "web/page_06",
      "web/page_07",
      "web/page_08",
      "web/page_09",
      "web/page_10",
      "web/page_11",
    ]);
  });

  it("filters by key prefix in whole parts", async () => {
    expect(await keys({ keyPrefix: "sales" })).toEqual(["sales/orders", "sales/refunds", "sales/revenue"]);
    expect(await keys({ keyPrefix: "sales/orders" })).toEqual(["sales/orders"]);
  });

  it("filters by group, owner, tag, kind and location, combined", async () => {
    expect(await keys({ group: "finance" })).toEqual(["sales/revenue"]);
    expect(await keys({ owner: "team:finance" })).toEqual(["sales/refunds", "sales/revenue"]);
    expect(await keys({ tag: "tier=gold" })).toEqual(["sales/orders", "sales/revenue"]);
    expect(await keys({ tag: "pii" })).toEqual(["sales/revenue"]);
    expect(await keys({ kind: "postgres" })).toEqual(["sales/orders", "sales/refunds"]);
    expect(await keys({ location: "web", group: "default" })).toEqual(["web/events"]);
    expect(await keys({ owner: "team:finance", tag: "tier=gold", kind: "dbt", search: "rev" })).toEqual(["sales/revenue"]);
    expect(await keys({ location: "nowhere" })).toEqual([]);
  });

  it("pages with stable cursors and counts every match", async () => {
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const result: { data?: any } = await app.gql(SEARCH, { group: "pages", first: 5, after });
      const page: any = result.data!.assets;
      expect(page.totalCount).toBe(12);
      seen.push(...page.edges.map((e: { node: { key: string } }) => e.node.key));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
      pages++;
    } while (after);
    expect(pages).toBe(3);
    expect(seen).toEqual(Array.from({ length: 12 }, (_, i) => `web/page_${String(i).padStart(2, "0")}`));
  });

  it("rejects a page size over the limit, a foreign cursor and a malformed prefix with clear errors", async () => {
    const big = await app.gql(SEARCH, { first: 501 });
    expect(big.errors![0]).toMatchObject({
      message: "first: must be from 0 to 500",
      extensions: { code: "BAD_USER_INPUT", argument: "first" },
    });
    const cursor = await app.gql(SEARCH, { after: "bm90LWEtY3Vyc29y" });
    expect(cursor.errors![0]!.message).toMatch(/after: is not a cursor this query returned/);
    const prefix = await app.gql(SEARCH, { keyPrefix: "bad prefix" });
    expect(prefix.errors![0]!.message).toMatch(/keyPrefix: "bad prefix" is not an asset key/);
  });

  it("answers asset(key) with NotFoundError or InvalidArgumentError", async () => {
    const missing = await app.gql(`{ asset(key: "no/such") { __typename ... on NotFoundError { kind key message } } }`);
    expect(missing.data!.asset).toEqual({ __typename: "NotFoundError", kind: "asset", key: "no/such", message: 'No asset "no/such"' });
    const bad = await app.gql(`{ asset(key: "white space") { __typename ... on InvalidArgumentError { argument } } }`);
    expect(bad.data!.asset).toEqual({ __typename: "InvalidArgumentError", argument: "key" });
  });

  it("answers a page's assets as asset(key) answers each, whichever fields are selected", async () => {
    const definition = `definition { key group description owners tags kinds metadata { label type value } codeVersion stepKey
      multiAssetName isSubsettable updatedAt checkHealth }`;
    // Two materializations of one asset: the latest one's time is what a listing shows.
    for (let i = 0; i < 2; i++) {
      const m = await app.gql(`mutation { reportMaterialization(assetKey: "sales/orders") { ... on Materialization { id } } }`);
      expect(m.errors).toBeUndefined();
    }
    // The first selections are loaded by the search's own statement (the second is the web UI's
    // catalog row: its definition's location and its latest materialization join it; its
    // dependency keys are one more statement for the page), the last (a relation beyond those) by Prisma.
    for (const [selection, oneStatement] of [
      [`key path isDefined syncState ${definition}`, true],
      [`key lastMaterializedAt isDefined syncState checkHealth ${definition} definition { location { name status } dependencyKeys }`, true],
      [`key lastMaterializedAt syncState ${definition} definition { location { name } checks { key } }`, false],
    ] as const) {
      const statements = vi.spyOn(app.db.sql, "query");
      const page = await app.gql(`{ assets(first: 20) { edges { node { ${selection} } } } }`);
      const searchedRows = statements.mock.calls.some(([text]) => textOf(text).includes('AS "d:syncState"'));
      statements.mockRestore();
      expect(page.errors).toBeUndefined();
      expect(searchedRows).toBe(oneStatement);
      const nodes = page.data!.assets.edges.map((e: { node: { key: string } }) => e.node);
      expect(nodes).toHaveLength(17);
      // Registered, never materialized (but sales/orders): the stored state the page drained first says so.
      const missing = nodes.filter((n: { key: string }) => n.key !== "sales/orders");
      expect(new Set(missing.map((n: { syncState: string }) => n.syncState))).toEqual(new Set(["MISSING"]));
      for (const node of nodes) {
        const one = await app.gql(`query($key: String!) { asset(key: $key) { ... on Asset { ${selection} } } }`, { key: node.key });
        expect(node).toEqual(one.data!.asset);
      }
    }
  });

  it("exposes definition fields with typed metadata", async () => {
    const result = await app.gql(
      `{ asset(key: "web/events") { ... on Asset { definition { description kinds metadata { label type value } codeVersion isSubsettable multiAssetName stepKey } } } }`,
    );
    expect(result.data!.asset.definition).toEqual({
      description: null,
      kinds: ["s3"],
      metadata: [
        { label: "note", type: "markdown", value: "Clickstream from the **tracker**" },
        { label: "rows", type: "int", value: 5 },
      ],
      codeVersion: null,
      isSubsettable: true,
      multiAssetName: null,
      stepKey: "web__events",
    });
  });
});
