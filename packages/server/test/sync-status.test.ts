import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { drainForReader, SyncRefresher } from "../src/sync/sync-refresher.js";
import { createTestApp, type TestApp } from "../src/testing/test-app.js";
import { DAILY_JANUARY_UTC, type FixtureAsset } from "../src/testing/manifests.js";
import { registerAssets } from "./support/register-assets.js";

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
}, 60_000);
afterAll(() => app?.close());

const REPORT = `mutation($k: String!, $p: String, $d: String, $c: String) {
  reportMaterialization(assetKey: $k, partition: $p, dataVersion: $d, codeVersion: $c) {
    __typename ... on Materialization { dataVersion dataVersionUserProvided inputDataVersions } ... on Error { message } } }`;
const STATUS = `query($k: String!, $p: String) { asset(key: $k) { ... on Asset {
  syncStatus(partition: $p) { state causes { category reason assetKey dependency partition } rootCauses { assetKey reason partition } }
  unsyncedPartitions { count ranges { startKey endKey count } } } } }`;
const UNSYNCED = `{ assets(syncStatus: UNSYNCED, first: 100) { edges { node { key } } } }`;

const register = (name: string, assets: FixtureAsset[]) => registerAssets(app, name, assets);
const report = async (k: string, vars: { p?: string; d?: string; c?: string } = {}) => {
  const r = await app.gql(REPORT, { k, ...vars });
  expect(r.data!.reportMaterialization.__typename).toBe("Materialization");
  return r.data!.reportMaterialization;
};
const status = async (k: string, p?: string) => (await app.gql(STATUS, { k, p })).data!.asset;
const unsynced = async () => (await app.gql(UNSYNCED)).data!.assets.edges.map((e: { node: { key: string } }) => e.node.key);

describe("data versions and sync status", () => {
  it("a location's first registration queues its assets' states: the filter finds them missing at once", async () => {
    await register("fresh", [{ key: "fresh/a" }, { key: "fresh/b", deps: ["fresh/a"] }]);
    const missing = await app.gql(`{ assets(syncStatus: MISSING, location: "fresh", first: 100) { edges { node { key syncState } } } }`);
    expect(missing.data!.assets.edges.map((e: { node: unknown }) => e.node)).toEqual([
      { key: "fresh/a", syncState: "MISSING" },
      { key: "fresh/b", syncState: "MISSING" },
    ]);
  });

  it("a first registration queues its whole location as one row, which a reader drains only while it is short", async () => {
    await register("whole", [{ key: "whole/a" }, { key: "whole/b", deps: ["whole/a"] }, { key: "whole/c", deps: ["whole/b"] }]);
    const queued = await app.db.sql.query<{ assetKey: string | null; name: string | null }>(
      `SELECT q."assetKey", l.name FROM "SyncRefresh" q LEFT JOIN "CodeLocation" l ON l.id = q."locationId"`,
    );
    expect(queued).toEqual([{ assetKey: null, name: "whole" }]);
    const states = async () =>
      (
        await app.db.sql.query<{ key: string; syncState: string | null }>(
          `SELECT key, "syncState" FROM "AssetNode" WHERE key LIKE 'whole/%' ORDER BY key`,
        )
      ).map((r) => r.syncState);
    expect(await states()).toEqual([null, null, null]);
    // Counted as its three assets: longer than a reader's limit of two, so left to the refresher.
    expect(await drainForReader(app.db.sql, 2)).toBe(false);
    expect(await drainForReader(app.db.sql, 4)).toBe(true);
    expect(await states()).toEqual(["MISSING", "MISSING", "MISSING"]);
    expect(await app.db.sql.query(`SELECT 1 FROM "SyncRefresh"`)).toEqual([]);
  });

  it("a (v1) → b: code change, new data version, same user-provided version (Dagster's rules)", async () => {
    await register("sync", [
      { key: "sync/a", codeVersion: "v1" },
      { key: "sync/b", deps: ["sync/a"] },
    ]);
    expect((await status("sync/b")).syncStatus.state).toBe("MISSING");
    await report("sync/a", { d: "x", c: "v1" });
    const b = await report("sync/b");
    // b's version is derived from its inputs (and, without a code version, from the report).
    expect(b).toMatchObject({ dataVersionUserProvided: false, inputDataVersions: { "sync/a": "x" } });
    expect(b.dataVersion).toMatch(/^[0-9a-f]{32}$/);
    expect([(await status("sync/a")).syncStatus.state, (await status("sync/b")).syncStatus.state]).toEqual(["SYNCED", "SYNCED"]);
    expect(await unsynced()).toEqual([]);

    await register("sync", [
      { key: "sync/a", codeVersion: "v2" },
      { key: "sync/b", deps: ["sync/a"] },
    ]);
    expect((await status("sync/a")).syncStatus).toMatchObject({
      state: "UNSYNCED",
      causes: [{ category: "CODE", reason: "has a new code version", assetKey: "sync/a" }],
    });
    expect((await status("sync/b")).syncStatus.state).toBe("SYNCED");
    expect(await unsynced()).toEqual(["sync/a"]);

    // The same user-provided data version: nothing changed for b.
    await report("sync/a", { d: "x", c: "v2" });
    expect((await status("sync/b")).syncStatus.state).toBe("SYNCED");
    expect(await unsynced()).toEqual([]);

    await report("sync/a", { d: "y", c: "v2" });
    expect((await status("sync/b")).syncStatus).toMatchObject({
      state: "UNSYNCED",
      causes: [{ category: "DATA", reason: "has a new dependency data version", dependency: "sync/a" }],
      rootCauses: [{ assetKey: "sync/a", reason: "has a new data version" }],
    });
    expect(await unsynced()).toEqual(["sync/b"]);
    await report("sync/b");
    expect(await unsynced()).toEqual([]);
  });

  it("a chain: a new version of the root makes the middle unsynced and the leaf a stale dependency", async () => {
    await register("chain", [{ key: "chain/a" }, { key: "chain/b", deps: ["chain/a"] }, { key: "chain/c", deps: ["chain/b"] }]);
    for (const k of ["chain/a", "chain/b", "chain/c"]) await report(k, { d: `${k}-1` });
    await report("chain/a", { d: "chain/a-2" });
    expect((await status("chain/c")).syncStatus).toMatchObject({
      state: "UNSYNCED",
      causes: [{ reason: "stale dependency", dependency: "chain/b" }],
      rootCauses: [{ assetKey: "chain/a", reason: "has a new data version" }],
    });
    expect(await unsynced()).toEqual(["chain/b", "chain/c"]);
  });

  it("daily partitioned a → b: re-materializing one partition of a makes exactly that partition of b unsynced", async () => {
    await register("daily", [
      { key: "daily/a", partitions: DAILY_JANUARY_UTC },
      { key: "daily/b", deps: ["daily/a"], partitions: DAILY_JANUARY_UTC },
    ]);
    const days = ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"];
    for (const p of days) await report("daily/a", { p, d: `a-${p}` });
    for (const p of days) {
      const b = await report("daily/b", { p });
      expect(b.inputDataVersions).toEqual({ "daily/a": `a-${p}` });
    }
    expect((await status("daily/b")).syncStatus.state).toBe("SYNCED");
    await report("daily/a", { p: "2024-01-03", d: "a-2024-01-03-again" });
    const b = await status("daily/b");
    expect(b.syncStatus.state).toBe("UNSYNCED");
    expect(b.unsyncedPartitions).toEqual({ count: 1, ranges: [{ startKey: "2024-01-03", endKey: "2024-01-03", count: 1 }] });
    expect((await status("daily/b", "2024-01-03")).syncStatus).toMatchObject({
      state: "UNSYNCED",
      causes: [{ reason: "has a new dependency data version", dependency: "daily/a", partition: "2024-01-03" }],
    });
    expect((await status("daily/b", "2024-01-02")).syncStatus.state).toBe("SYNCED");
    expect(await unsynced()).toContain("daily/b");
  });

  it("ingest queues the downstream closure durably; a refresher (one per server) drains it behind the writes, each asset once", async () => {
    await register("queue", [{ key: "queue/a" }, { key: "queue/b", deps: ["queue/a"] }, { key: "queue/c", deps: ["queue/b"] }]);
    const stored = async () =>
      Object.fromEntries(
        (
          await app.db.sql.query<{ key: string; syncState: string | null }>(
            `SELECT key, "syncState" FROM "AssetNode" WHERE key LIKE 'queue/%' ORDER BY key`,
          )
        ).map((r) => [r.key, r.syncState]),
      );
    const queued = async () => (await app.db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "SyncRefresh"`))[0]!.n;
    for (const k of ["queue/a", "queue/b", "queue/c"]) await report(k, { d: `${k}-1` });
    await report("queue/a", { d: "queue/a-2" });
    // Nothing drained yet (no refresher runs in this app): the work waits in the queue, not in memory.
    expect(await queued()).toBeGreaterThanOrEqual(4);
    // A queue longer than a reader drains itself is left to the refresher: the filter never waits on it.
    expect(await drainForReader(app.db.sql, 2)).toBe(false);
    expect(await queued()).toBeGreaterThanOrEqual(4);
    const refresher = new SyncRefresher(app.db.sql, app.pubsub.pubsub, app.logger, 10);
    await refresher.start(); // as a (re)started server does: drains what is left
    try {
      expect(await queued()).toBe(0);
      expect(await stored()).toEqual({ "queue/a": "SYNCED", "queue/b": "UNSYNCED", "queue/c": "UNSYNCED" });
      // Then a notice after a commit: drained shortly, without a reader asking.
      await report("queue/b", { d: "queue/b-2" });
      await vi.waitFor(async () => expect(await queued()).toBe(0), { timeout: 10_000, interval: 20 });
      await refresher.idle();
      expect(await stored()).toEqual({ "queue/a": "SYNCED", "queue/b": "SYNCED", "queue/c": "UNSYNCED" });
      // A re-registration queues the assets it rewrote (the refresher walks their dependents from
      // there), and they keep their states until refreshed.
      await refresher.stop();
      await register("queue", [
        { key: "queue/a", description: "the source" },
        { key: "queue/b", deps: ["queue/a"] },
        { key: "queue/c", deps: ["queue/b"] },
      ]);
      expect(await queued()).toBe(1);
      expect(await stored()).toEqual({ "queue/a": "SYNCED", "queue/b": "SYNCED", "queue/c": "UNSYNCED" });
      const restarted = new SyncRefresher(app.db.sql, app.pubsub.pubsub, app.logger, 10);
      await restarted.start();
      await restarted.stop();
      expect(await queued()).toBe(0);
      expect(await stored()).toEqual({ "queue/a": "SYNCED", "queue/b": "SYNCED", "queue/c": "UNSYNCED" });
    } finally {
      await refresher.stop();
    }
  });
});
