import { manifestHash } from "@strata/server";
import { DAILY_JANUARY_UTC } from "@strata/server/testing";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { InvalidArgumentError, NotFoundError } from "./errors.js";
import type { SyncCause } from "./sync-status.js";
import { startTestServer, testManifest, type TestAsset, type TestServer } from "./testing/test-server.js";

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
  const client = t.client();
  await client.registerCodeLocation({
    name: "sales",
    ...testManifest([
      {
        key: "sales/orders",
        group: "raw",
        owners: ["ana@example.com"],
        tags: { tier: "gold" },
        kinds: ["postgres"],
        description: "Orders from the web shop",
      },
      { key: "sales/customers", group: "raw", owners: ["team:crm"], kinds: ["postgres"] },
      { key: "sales/clean_orders", group: "cleaned", deps: ["sales/orders", "sales/customers"], tags: { tier: "silver" } },
      { key: "sales/daily_revenue", group: "finance", deps: ["sales/clean_orders"], description: "Revenue per day, for the board" },
    ]),
  });
  await client.registerCodeLocation({
    name: "marketing",
    ...testManifest([{ key: "marketing/campaign_roi", group: "finance", deps: ["sales/daily_revenue"], kinds: ["python"] }]),
  });
});
afterAll(() => t.close());

describe("assets", () => {
  it("searches the catalog by words and by every filter, ordered by key", async () => {
    const client = t.client();
    const keys = async (options: Parameters<typeof client.assets>[0]) => (await client.assets(options)).items.map((a) => a.key);
    expect(await keys({ search: "revenue board" })).toEqual(["sales/daily_revenue"]);
    expect(await keys({ keyPrefix: "sales" })).toEqual(["sales/clean_orders", "sales/customers", "sales/daily_revenue", "sales/orders"]);
    expect(await keys({ group: "finance" })).toEqual(["marketing/campaign_roi", "sales/daily_revenue"]);
    expect(await keys({ owner: "team:crm" })).toEqual(["sales/customers"]);
    expect(await keys({ tag: "tier=gold" })).toEqual(["sales/orders"]);
    expect(await keys({ tag: "tier" })).toEqual(["sales/clean_orders", "sales/orders"]);
    expect(await keys({ kind: "postgres", location: "sales" })).toEqual(["sales/customers", "sales/orders"]);
    expect(await keys({ location: "marketing" })).toEqual(["marketing/campaign_roi"]);
  });

  it("returns each asset's labels and location", async () => {
    const [orders] = (await t.client().assets({ search: "web shop" })).items;
    expect(orders).toMatchObject({
      key: "sales/orders",
      path: ["sales", "orders"],
      isDefined: true,
      definition: { group: "raw", owners: ["ana@example.com"], tags: { tier: "gold" }, kinds: ["postgres"], location: { name: "sales" } },
    });
  });

  it("pages forwards with first/after and counts every match only when asked", async () => {
    const client = t.client();
    const first = await client.assets({ first: 2, totalCount: true });
    expect(first.items.map((a) => a.key)).toEqual(["marketing/campaign_roi", "sales/clean_orders"]);
    expect(first).toMatchObject({ totalCount: 5, hasNextPage: true });
    const second = await client.assets({ first: 2, after: first.endCursor });
    expect(second.items.map((a) => a.key)).toEqual(["sales/customers", "sales/daily_revenue"]);
    expect(second.totalCount).toBeNull();
    const third = await client.assets({ first: 2, after: second.endCursor });
    expect(third.items.map((a) => a.key)).toEqual(["sales/orders"]);
    expect(third.hasNextPage).toBe(false);
  });

  it("iterates every match across pages with allAssets", async () => {
    const seen: string[] = [];
    for await (const asset of t.client().allAssets({ keyPrefix: "sales" }, { pageSize: 1 })) seen.push(asset.key);
    expect(seen).toEqual(["sales/clean_orders", "sales/customers", "sales/daily_revenue", "sales/orders"]);
  });

  it("throws InvalidArgumentError for a cursor the server never gave", async () => {
    await expect(t.client().assets({ after: "bm9wZQ" })).rejects.toBeInstanceOf(InvalidArgumentError);
  });
});

describe("asset", () => {
  it("returns the definition, location, latest materialization, a page of history and neighbours", async () => {
    const client = t.client();
    for (const rows of [10, 20, 30]) await client.reportMaterialization({ assetKey: "sales/clean_orders", metadata: { rows } });
    const asset = await client.asset("sales/clean_orders", { materializations: { first: 2 } });
    expect(asset.definition).toMatchObject({
      group: "cleaned",
      dependencyKeys: ["sales/customers", "sales/orders"],
      isSubsettable: true,
      location: { name: "sales", status: "LOADED", version: 1 },
    });
    expect(asset.latestMaterialization?.metadata).toEqual([{ label: "rows", type: "int", value: 30 }]);
    expect(asset.materializations.items.map((m) => m.metadata[0]?.value)).toEqual([30, 20]);
    expect(asset.materializations.hasNextPage).toBe(true);
    const older = await client.asset("sales/clean_orders", { materializations: { first: 2, after: asset.materializations.endCursor } });
    expect(older.materializations.items.map((m) => m.metadata[0]?.value)).toEqual([10]);
    expect(asset.upstream.map((a) => a.key)).toEqual(["sales/customers", "sales/orders"]);
    expect(asset.downstream.map((a) => a.key)).toEqual(["sales/daily_revenue"]);
  });

  it("reads the largest page of history the server allows (500) within the query cost limit", async () => {
    const asset = await t.client().asset("sales/clean_orders", { materializations: { first: 500 } });
    expect(asset.materializations.items.length).toBeGreaterThan(0);
  });

  it("follows lineage as deep as asked, across locations (null: all the way)", async () => {
    const client = t.client();
    expect((await client.asset("sales/orders", { downstreamDepth: 2 })).downstream.map((a) => a.key)).toEqual([
      "sales/clean_orders",
      "sales/daily_revenue",
    ]);
    expect((await client.asset("sales/orders", { downstreamDepth: null })).downstream.map((a) => a.key)).toEqual([
      "marketing/campaign_roi",
      "sales/clean_orders",
      "sales/daily_revenue",
    ]);
  });

  for (const { title, key, type, fields } of [
    {
      title: "NotFoundError carrying the key for an asset Strata has never seen",
      key: "sales/nope",
      type: NotFoundError,
      fields: { code: "NOT_FOUND", kind: "asset", key: "sales/nope", message: 'No asset "sales/nope"' },
    },
    {
      title: "InvalidArgumentError carrying the argument for a malformed key",
      key: "sales//x",
      type: InvalidArgumentError,
      fields: { code: "BAD_USER_INPUT", argument: "key" },
    },
  ]) {
    it(`throws ${title}`, async () => {
      const error = await t
        .client()
        .asset(key)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(type);
      expect(error).toMatchObject(fields);
    });
  }
});

describe("lineage", () => {
  it("returns the nodes and edges around keys within the depths", async () => {
    const { nodes, edges } = await t.client().lineage({ keys: ["sales/daily_revenue"], upstreamDepth: 1, downstreamDepth: null });
    expect(nodes.map((n) => n.key)).toEqual(["marketing/campaign_roi", "sales/clean_orders", "sales/daily_revenue"]);
    expect(nodes.find((n) => n.key === "marketing/campaign_roi")?.definition?.location.name).toBe("marketing");
    expect(edges).toEqual(
      expect.arrayContaining([
        { upstream: "sales/clean_orders", downstream: "sales/daily_revenue" },
        { upstream: "sales/daily_revenue", downstream: "marketing/campaign_roi" },
      ]),
    );
    expect(edges).toHaveLength(2);
  });

  it("returns the whole graph without keys", async () => {
    const { nodes, edges } = await t.client().lineage();
    expect(nodes).toHaveLength(5);
    expect(edges).toHaveLength(4);
  });

  it("lays out the whole graph on the server: each edge's upstream left of its downstream", async () => {
    const layout = await t.client().lineageLayout();
    expect(layout.keys).toHaveLength(5);
    expect(layout.edges).toHaveLength(8);
    for (let e = 0; e < layout.edges.length; e += 2) {
      expect(layout.x[layout.edges[e]!]!).toBeLessThan(layout.x[layout.edges[e + 1]!]!);
    }
    const revenue = layout.keys.indexOf("sales/daily_revenue");
    expect(layout.groups[layout.group[revenue]!]).toMatchObject({ location: "sales" });
    expect((await t.client().lineageLayout()).cached).toBe(true);
    const states = await t.client().lineageStates();
    expect(states.graphHash).toBe(layout.graphHash);
    expect(states.syncStates).toHaveLength(5);
  });

  it("throws InvalidArgumentError for a malformed key (a GraphQL error, not a union)", async () => {
    const error = await t
      .client()
      .lineage({ keys: ["no spaces"] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toContain("keys.0");
  });
});

describe("sync status and freshness", () => {
  // A server of its own: the catalog tests above count every asset.
  let sync: TestServer;
  beforeAll(async () => {
    sync = await startTestServer();
  });
  afterAll(() => sync?.close());

  /** A cause tree as indented lines, as a person reads it. */
  const lines = (causes: SyncCause[], indent = ""): string[] =>
    causes.flatMap((c) => [`${indent}${c.assetKey} ${c.reason}`, ...lines(c.children, `${indent}  `)]);

  it("gives the whole cause tree however deep, the root causes, and filters the catalog by sync state", async () => {
    const client = sync.client();
    const chain = ["chain/a", "chain/b", "chain/c", "chain/d", "chain/e", "chain/f"];
    await client.registerCodeLocation({
      name: "chain",
      ...testManifest([...chain.map((key, i) => ({ key, deps: i ? [chain[i - 1]!] : [] })), { key: "chain/new" }]),
    });
    for (const key of chain) await client.reportMaterialization({ assetKey: key, dataVersion: key === "chain/a" ? "1" : undefined });
    expect((await client.assetSyncStatus("chain/f")).state).toBe("SYNCED");
    await client.reportMaterialization({ assetKey: "chain/a", dataVersion: "2" });

    const f = await client.assetSyncStatus("chain/f");
    expect(f).toMatchObject({ key: "chain/f", partition: null, state: "UNSYNCED", unsyncedPartitions: null });
    // Deeper than one query reaches: the client fetched the rest.
    expect(lines(f.causes)).toEqual([
      "chain/f stale dependency",
      "  chain/e stale dependency",
      "    chain/d stale dependency",
      "      chain/c stale dependency",
      "        chain/b has a new dependency data version",
      "          chain/a has a new data version",
    ]);
    expect(f.causes[0]).toMatchObject({ category: "DATA", dependency: "chain/e", dependencyPartition: null });
    expect(f.rootCauses).toEqual([
      {
        category: "DATA",
        reason: "has a new data version",
        assetKey: "chain/a",
        partition: null,
        dependency: null,
        dependencyPartition: null,
        children: [],
      },
    ]);
    expect(await client.assetSyncStatus("chain/new")).toMatchObject({ state: "MISSING", causes: [], rootCauses: [] });
    await expect(client.assetSyncStatus("chain/nope")).rejects.toBeInstanceOf(NotFoundError);

    const keys = async (syncStatus: "SYNCED" | "UNSYNCED" | "MISSING") =>
      (await client.assets({ keyPrefix: "chain", syncStatus })).items.map((a) => a.key);
    expect(await keys("UNSYNCED")).toEqual(chain.slice(1));
    expect(await keys("SYNCED")).toEqual(["chain/a"]);
    expect(await keys("MISSING")).toEqual(["chain/new"]);
    // Each catalog row carries its stored state, without a filter.
    const rows = (await client.assets({ keyPrefix: "chain" })).items.map((a) => `${a.key} ${a.syncState}`);
    expect(rows).toEqual(["chain/a SYNCED", ...chain.slice(1).map((k) => `${k} UNSYNCED`), "chain/new MISSING"]);
  });

  it("reads one partition's status, and a partitioned asset's unsynced partitions as ranges", async () => {
    const client = sync.client();
    await client.registerCodeLocation({
      name: "daily",
      ...testManifest([
        { key: "daily/a", partitions: DAILY_JANUARY_UTC },
        { key: "daily/b", deps: ["daily/a"], partitions: DAILY_JANUARY_UTC },
      ]),
    });
    const days = ["2024-01-01", "2024-01-02", "2024-01-03"];
    for (const partition of days) await client.reportMaterialization({ assetKey: "daily/a", partition, dataVersion: "1" });
    for (const partition of days) await client.reportMaterialization({ assetKey: "daily/b", partition });
    for (const partition of days.slice(1)) await client.reportMaterialization({ assetKey: "daily/a", partition, dataVersion: "2" });

    const b = await client.assetSyncStatus("daily/b");
    expect(b.unsyncedPartitions).toEqual({ count: 2, ranges: [{ startKey: "2024-01-02", endKey: "2024-01-03", count: 2 }] });
    const day = await client.assetSyncStatus("daily/b", { partition: "2024-01-03" });
    expect(day).toMatchObject({ partition: "2024-01-03", state: "UNSYNCED" });
    expect(day.causes).toMatchObject([{ dependency: "daily/a", dependencyPartition: "2024-01-03", partition: "2024-01-03" }]);
    expect((await client.assetSyncStatus("daily/b", { partition: "2024-01-01" })).state).toBe("SYNCED");
  });

  it("filters the catalog by freshness", async () => {
    const client = sync.client();
    const hour = { kind: "time_window", failAfterMs: 3_600_000, warnAfterMs: null };
    const policies: Record<string, unknown> = {
      "fresh/ok": hour,
      "fresh/never": hour,
      "fresh/late": { kind: "time_window", failAfterMs: 300, warnAfterMs: null },
    };
    const assets: TestAsset[] = [...Object.keys(policies), "fresh/no_policy"].map((key) => ({ key }));
    const { manifest } = testManifest(assets) as { manifest: { assets: Array<{ key: string }> } };
    const withPolicies = {
      ...manifest,
      manifestVersion: 3,
      checks: [],
      assets: manifest.assets.map((a) => ({ ...a, freshness: policies[a.key] ?? null })),
    };
    await client.registerCodeLocation({ name: "fresh", manifest: withPolicies, hash: manifestHash(withPolicies) });
    for (const assetKey of ["fresh/ok", "fresh/late", "fresh/no_policy"]) await client.reportMaterialization({ assetKey });

    const keys = async (freshness: "PASS" | "WARN" | "FAIL" | "UNKNOWN") =>
      (await client.assets({ keyPrefix: "fresh", freshness })).items.map((a) => a.key);
    expect(await keys("UNKNOWN")).toEqual(["fresh/never"]);
    // The server's timer moves fresh/late to FAIL 300 ms after its materialization.
    await vi.waitFor(async () => expect(await keys("FAIL")).toEqual(["fresh/late"]), { timeout: 20_000, interval: 100 });
    expect(await keys("PASS")).toEqual(["fresh/ok"]);
    expect(await keys("WARN")).toEqual([]);
  });
});
