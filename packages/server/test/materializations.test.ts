import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { manifestOf, REGISTER } from "../src/testing/manifests.js";
import { createTestApp, type TestApp } from "../src/testing/test-app.js";
import { testDialect } from "../src/testing/test-database.js";

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
  const { manifest, hash } = manifestOf([{ key: "warehouse/orders" }]);
  await app.gql(REGISTER, { name: "warehouse", manifest, hash });
});
afterAll(() => app.close());

const REPORT = `mutation Report($assetKey: String!, $metadata: JSON, $partition: String, $description: String, $dataVersion: String) {
  reportMaterialization(assetKey: $assetKey, metadata: $metadata, partition: $partition, description: $description, dataVersion: $dataVersion) {
    __typename
    ... on Error { message code }
    ... on Materialization { id assetKey runId partition description dataVersion timestamp metadata { label type value } }
  }
}`;

describe(`materializations (${testDialect})`, () => {
  it("records a runless materialization with typed metadata", async () => {
    const result = await app.gql(REPORT, {
      assetKey: "warehouse/orders",
      metadata: { rows: 1200, ratio: 0.5, ok: true, owner: "etl", schema: { cols: 3 }, dashboard: { type: "url", value: "https://bi/x" } },
      partition: "2026-11-27",
      description: "nightly load",
      dataVersion: "v42",
    });
    expect(result.data!.reportMaterialization).toMatchObject({
      __typename: "Materialization",
      assetKey: "warehouse/orders",
      runId: null,
      partition: "2026-11-27",
      description: "nightly load",
      dataVersion: "v42",
      metadata: [
        { label: "dashboard", type: "url", value: "https://bi/x" },
        { label: "ok", type: "bool", value: true },
        { label: "owner", type: "text", value: "etl" },
        { label: "ratio", type: "float", value: 0.5 },
        { label: "rows", type: "int", value: 1200 },
        { label: "schema", type: "json", value: { cols: 3 } },
      ],
    });
  });

  it("stores texts with quotes, backslashes, braces and commas as given, and absent ones as null", async () => {
    // The columns travel as array literals built by the server: each of these must come back whole.
    const description = 'say "hi" \\ {a,b} NULL, done';
    const quoted = await app.gql(REPORT, { assetKey: "external/quoted", description, dataVersion: 'v"1\\' });
    expect(quoted.data!.reportMaterialization).toMatchObject({ description, dataVersion: 'v"1\\', partition: null });
    const literalNull = await app.gql(REPORT, { assetKey: "external/quoted", description: "NULL", dataVersion: "" });
    expect(literalNull.data!.reportMaterialization).toMatchObject({ description: "NULL", dataVersion: "" });
    const absent = await app.gql(REPORT, { assetKey: "external/quoted" });
    expect(absent.data!.reportMaterialization).toMatchObject({ description: null, partition: null });
  });

  it("keeps history newest first, pages it, and tracks the latest", async () => {
    for (const n of [1, 2, 3]) await app.gql(REPORT, { assetKey: "warehouse/orders", metadata: { n } });
    const result = await app.gql(`{ asset(key: "warehouse/orders") { ... on Asset {
      latestMaterialization { metadata { value } }
      lastMaterializedAt
      materializations(first: 2) { pageInfo { hasNextPage endCursor } edges { node { metadata { label value } } } }
    } } }`);
    const asset = result.data!.asset;
    expect(asset.latestMaterialization.metadata).toEqual([{ value: 3 }]);
    expect(asset.materializations.edges.map((e: any) => e.node.metadata[0].value)).toEqual([3, 2]);
    expect(asset.materializations.pageInfo.hasNextPage).toBe(true);
    const rest = await app.gql(
      `query($after: String) { asset(key: "warehouse/orders") { ... on Asset { materializations(first: 10, after: $after) { edges { node { metadata { label value } } } } } } }`,
      {
        after: asset.materializations.pageInfo.endCursor,
      },
    );
    expect(
      rest.data!.asset.materializations.edges.map((e: any) => e.node.metadata.find((m: any) => m.label === "n")?.value ?? "first"),
    ).toEqual([1, "first"]);
  });

  it("accepts an asset no location defines (an external table) and shows it as undefined", async () => {
    const result = await app.gql(REPORT, { assetKey: "vendor/prices" });
    expect(result.data!.reportMaterialization.__typename).toBe("Materialization");
    const asset = await app.gql(`{ asset(key: "vendor/prices") { ... on Asset { isDefined latestMaterialization { assetKey } } } }`);
    expect(asset.data!.asset).toEqual({ isDefined: false, latestMaterialization: { assetKey: "vendor/prices" } });
    // No definition, so no inputs known: stored as NULL, where a defined asset without dependencies read none ({}).
    const inputs = await app.db.sql.query<{ assetKey: string; unknown: boolean; inputs: unknown }>(
      `SELECT DISTINCT ON ("assetKey") "assetKey", inputs IS NULL AS unknown, inputs FROM "Materialization"
       WHERE "assetKey" IN ('vendor/prices', 'warehouse/orders') ORDER BY "assetKey", id DESC`,
    );
    expect(inputs).toEqual([
      { assetKey: "vendor/prices", unknown: true, inputs: null },
      { assetKey: "warehouse/orders", unknown: false, inputs: {} },
    ]);
    // The database no longer checks the key against Asset (migration 20261211000000): the
    // ingest gives each key its Asset row itself, in the same transaction.
    const orphans = await app.db.sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM "Materialization" m WHERE NOT EXISTS (SELECT 1 FROM "Asset" a WHERE a.key = m."assetKey")`,
    );
    expect(orphans).toEqual([{ n: 0 }]);
  });

  it("refuses an invalid key and non-object metadata with typed errors", async () => {
    const key = await app.gql(REPORT, { assetKey: "bad key" });
    expect(key.data!.reportMaterialization).toMatchObject({ __typename: "InvalidArgumentError", code: "BAD_USER_INPUT" });
    const metadata = await app.gql(REPORT, { assetKey: "ok", metadata: [1, 2] });
    expect(metadata.data!.reportMaterialization).toMatchObject({
      __typename: "InvalidArgumentError",
      message: expect.stringMatching(/^metadata:/),
    });
  });

  it("streams assetMaterialized to subscribers of that key only", async () => {
    const watcher = await app.subscribe(`subscription { assetMaterialized(keys: ["warehouse/orders"]) { assetKey metadata { value } } }`);
    expect(watcher.status).toBe(200);
    // Let the subscription attach before publishing.
    await new Promise((r) => setTimeout(r, 100));
    await app.gql(REPORT, { assetKey: "vendor/prices", metadata: { n: "ignored" } });
    await app.gql(REPORT, { assetKey: "warehouse/orders", metadata: { n: "seen" } });
    const event = await watcher.next();
    watcher.close();
    expect(event.data).toEqual({ assetMaterialized: { assetKey: "warehouse/orders", metadata: [{ value: "seen" }] } });
  });

  it("streams codeLocationChanged when a location registers", async () => {
    const watcher = await app.subscribe(`subscription { codeLocationChanged { name change location { version } } }`);
    await new Promise((r) => setTimeout(r, 100));
    const { manifest, hash } = manifestOf([{ key: "warehouse/orders" }, { key: "warehouse/items" }]);
    await app.gql(REGISTER, { name: "warehouse", manifest, hash });
    const event = await watcher.next();
    watcher.close();
    expect(event.data).toEqual({ codeLocationChanged: { name: "warehouse", change: "UPDATED", location: { version: 2 } } });
  });
});
