import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../src/testing/test-app.js";
import { DAILY_JANUARY_UTC, type FixtureAsset, type FixtureCheck } from "../src/testing/manifests.js";
import { registerAssets } from "./support/register-assets.js";

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
}, 60_000);
afterAll(() => app?.close());

const REPORT = `mutation($k: String!, $p: String, $d: String) {
  reportMaterialization(assetKey: $k, partition: $p, dataVersion: $d) { __typename ... on Error { message } } }`;
const LAUNCH = `mutation($keys: [String!], $checks: [String!], $p: String, $range: PartitionKeyRangeInput, $unsynced: Boolean) {
  launchRun(assetKeys: $keys, checkKeys: $checks, partition: $p, partitionRange: $range, unsyncedOnly: $unsynced) {
    __typename
    ... on Run { id assetKeys stepKeys partitionKey }
    ... on InvalidSelectionError { reason keys message }
    ... on InvalidArgumentError { argument message } } }`;

const register = (name: string, assets: FixtureAsset[], checks: FixtureCheck[] = []) => registerAssets(app, name, assets, checks);
const report = async (k: string, vars: { p?: string; d?: string } = {}) => {
  const r = await app.gql(REPORT, { k, ...vars });
  expect(r.data!.reportMaterialization.__typename).toBe("Materialization");
};
const launch = async (vars: { keys?: string[]; checks?: string[]; p?: string; range?: { from: string; to: string }; unsynced?: boolean }) =>
  (await app.gql(LAUNCH, { unsynced: true, ...vars })).data!.launchRun;
const runCount = async () => (await app.db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "Run"`))[0]!.n;

describe("launchRun(unsyncedOnly: true)", () => {
  it("runs only the unsynced and never-materialized assets of the selection; all synced is a typed error and no run", async () => {
    await register("narrow", [
      { key: "narrow/a" },
      { key: "narrow/b", deps: ["narrow/a"] },
      { key: "narrow/c", deps: ["narrow/b"] },
      { key: "narrow/d" },
      { key: "narrow/e" },
    ]);
    for (const k of ["narrow/a", "narrow/b", "narrow/c", "narrow/e"]) await report(k, { d: `${k}-1` });
    // a has new data: b is unsynced (new dependency data version), c too (stale dependency); d was never materialized.
    await report("narrow/a", { d: "narrow/a-2" });
    const all = ["narrow/a", "narrow/b", "narrow/c", "narrow/d", "narrow/e"];
    const run = await launch({ keys: all });
    expect(run).toMatchObject({ __typename: "Run", assetKeys: ["narrow/b", "narrow/c", "narrow/d"] });
    expect(run.stepKeys).toEqual(["narrow__b", "narrow__c", "narrow__d"]);

    // Without the flag, the whole selection runs as before.
    expect((await launch({ keys: all, unsynced: false })).assetKeys).toEqual(all);

    for (const k of ["narrow/b", "narrow/c", "narrow/d"]) await report(k);
    const before = await runCount();
    expect(await launch({ keys: all })).toMatchObject({
      __typename: "InvalidSelectionError",
      reason: "NOTHING_UNSYNCED",
      keys: all,
      message: "Every selected asset is SYNCED: nothing to launch",
    });
    expect(await runCount()).toBe(before);
  });

  it("validates the whole selection first: an unknown key is still UNKNOWN_ASSETS", async () => {
    await register("valid", [{ key: "valid/a" }]);
    expect(await launch({ keys: ["valid/a", "valid/nope"] })).toMatchObject({
      __typename: "InvalidSelectionError",
      reason: "UNKNOWN_ASSETS",
      keys: ["valid/nope"],
    });
  });

  it("a partitioned selection is narrowed by the launched partition; a range or checks are refused", async () => {
    await register("daily", [
      { key: "daily/a", partitions: DAILY_JANUARY_UTC },
      { key: "daily/b", deps: ["daily/a"], partitions: DAILY_JANUARY_UTC },
      { key: "daily/u" },
    ]);
    for (const p of ["2024-01-01", "2024-01-02"]) {
      await report("daily/a", { p, d: `a-${p}` });
      await report("daily/b", { p });
    }
    await report("daily/u", { d: "u-1" });
    await report("daily/a", { p: "2024-01-02", d: "a-2024-01-02-again" });
    const keys = ["daily/a", "daily/b", "daily/u"];

    expect(await launch({ keys, p: "2024-01-02" })).toMatchObject({
      __typename: "Run",
      assetKeys: ["daily/b"],
      partitionKey: "2024-01-02",
    });
    // A partition never materialized: both partitioned assets are MISSING there.
    expect(await launch({ keys, p: "2024-01-05" })).toMatchObject({ assetKeys: ["daily/a", "daily/b"], partitionKey: "2024-01-05" });
    expect(await launch({ keys, p: "2024-01-01" })).toMatchObject({
      __typename: "InvalidSelectionError",
      reason: "NOTHING_UNSYNCED",
      message: 'Every selected asset is SYNCED (partition "2024-01-01"): nothing to launch',
    });

    // Only the unpartitioned asset to do: its run is not a partition's run.
    await register(
      "daily",
      [
        { key: "daily/a", partitions: DAILY_JANUARY_UTC },
        { key: "daily/b", deps: ["daily/a"], partitions: DAILY_JANUARY_UTC },
        { key: "daily/u", codeVersion: "v2" },
      ],
      [{ asset: "daily/u", name: "fresh", ownStep: true }],
    );
    expect(await launch({ keys, p: "2024-01-01" })).toMatchObject({ __typename: "Run", assetKeys: ["daily/u"], partitionKey: null });

    expect(await launch({ keys: ["daily/a"], range: { from: "2024-01-01", to: "2024-01-03" } })).toMatchObject({
      __typename: "InvalidArgumentError",
      argument: "unsyncedOnly",
    });
    const withCheck = await launch({ keys: ["daily/u"], checks: ["daily/u#fresh"] });
    expect(withCheck).toMatchObject({ __typename: "InvalidArgumentError", argument: "unsyncedOnly" });
    expect(withCheck.message).toContain("launch checks in a run of their own");
  });

  it("a multi-asset that cannot be subset runs whole when one of its outputs is unsynced", async () => {
    await register("multi", [
      { key: "multi/src" },
      { key: "multi/x", deps: ["multi/src"], multiAsset: { name: "both", canSubset: false } },
      { key: "multi/y", multiAsset: { name: "both", canSubset: false } },
      { key: "multi/z" },
    ]);
    for (const k of ["multi/src", "multi/x", "multi/y", "multi/z"]) await report(k, { d: `${k}-1` });
    await report("multi/src", { d: "multi/src-2" });
    const run = await launch({ keys: ["multi/src", "multi/x", "multi/y", "multi/z"] });
    expect(run).toMatchObject({ __typename: "Run", assetKeys: ["multi/x", "multi/y"], stepKeys: ["both"] });
  });
});
