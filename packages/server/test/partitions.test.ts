import { describe, expect, it } from "vitest";
import { createLocationTestApp } from "../src/testing/location-app.js";
import { suiteFixture } from "./support/suite-fixture.js";
import { DAILY_Q1_BERLIN } from "../src/testing/manifests.js";
import { runStartPayload } from "../src/testing/events.js";
import { testDialect } from "../src/testing/test-database.js";
import { claimRunAs, reportRunEventsAs } from "./support/location-worker.js";

// Daily partitions in Europe/Berlin for Q1 2024 (`end` is exclusive), the spec's scenario.
const DAILY = DAILY_Q1_BERLIN;
const CUSTOMERS = { kind: "dynamic", name: "customers" };

const env = suiteFixture(() =>
  createLocationTestApp("parts", [
    { key: "daily", partitions: DAILY },
    { key: "daily_copy", deps: ["daily"], partitions: DAILY },
    { key: "per_customer", partitions: CUSTOMERS },
    { key: "plain" },
  ]),
);

const LAUNCH = `mutation($keys: [String!]!, $p: String, $r: PartitionKeyRangeInput, $tags: JSON) {
  launchRun(assetKeys: $keys, partition: $p, partitionRange: $r, tags: $tags) {
    __typename ... on Run { id partitionKey partitionRange { from to } }
    ... on Error { message code } ... on PartitionKeysNotFoundError { keys } ... on AssetNotPartitionedError { assetKeys } } }`;
const launch = async (keys: string[], p?: string, r?: { from: string; to: string }, tags?: Record<string, string>) =>
  (await env.app.gql(LAUNCH, { keys, p, r, tags })).data!.launchRun;
/** The next run the worker claims: every test here has queued one. */
const claim = async () => {
  const run = await claimRunAs(env.app, "parts", env.worker);
  expect(run).not.toBeNull();
  return run!;
};
const report = (id: string, events: unknown[]) => reportRunEventsAs(env.app, env.worker, id, events);
const STATUS = `query($key: String!, $from: String, $to: String) { asset(key: $key) { ... on Asset {
  partitionStatus(from: $from, to: $to) { ranges { status startKey endKey count startIndex endIndex start end } counts { materialized failed inProgress missing total } } } } }`;
const ranges = async (key: string, from?: string, to?: string) => {
  const result = await env.app.gql(STATUS, { key, from, to });
  expect(result.errors).toBeUndefined();
  return result.data!.asset.partitionStatus;
};
const summary = async (key: string) =>
  ((await ranges(key)).ranges as { status: string; startKey: string; endKey: string }[]).map(
    (r) => `${r.startKey}..${r.endKey} ${r.status}`,
  );

let t = Date.now();
/** A worker's whole run of `daily`: RUN_START, a materialization per partition (unless failing), the end. */
async function runToEnd(
  run: { id: string; stepKeys: string[]; assetKeys: string[] },
  partitions: string[],
  outcome: "SUCCESS" | "FAILURE",
) {
  const events: unknown[] = [
    {
      seq: 1,
      type: "RUN_START",
      timestamp: t++,
      payload: runStartPayload(run),
    },
  ];
  if (outcome === "SUCCESS") {
    for (const partition of partitions) {
      events.push({
        seq: events.length + 1,
        type: "ASSET_MATERIALIZATION",
        timestamp: t++,
        stepKey: "daily",
        assetKey: "daily",
        payload: { assetKey: "daily", outputName: "result", partition },
      });
    }
    events.push({ seq: events.length + 1, type: "RUN_SUCCESS", timestamp: t++, payload: { durationMs: 5 } });
  } else {
    events.push({ seq: events.length + 1, type: "RUN_FAILURE", timestamp: t++, payload: { durationMs: 5, failedSteps: ["daily"] } });
  }
  expect(await report(run.id, events)).toMatchObject({ __typename: "RunReport" });
}

describe(`partition status as ranges (${testDialect})`, () => {
  it("answers five ranges for materialized, failed and in-progress partitions, and follows later runs", async () => {
    const march = await launch(["daily"], undefined, { from: "2024-03-01", to: "2024-03-10" });
    expect(march).toMatchObject({ __typename: "Run", partitionKey: null, partitionRange: { from: "2024-03-01", to: "2024-03-10" } });
    const first = await claim();
    expect(first).toMatchObject({ id: march.id, partitionRange: { from: "2024-03-01", to: "2024-03-10" } });
    await runToEnd(
      first,
      Array.from({ length: 10 }, (_, i) => `2024-03-${String(i + 1).padStart(2, "0")}`),
      "SUCCESS",
    );

    const failing = await launch(["daily"], "2024-03-11");
    expect(failing).toMatchObject({ partitionKey: "2024-03-11" });
    await runToEnd(await claim(), [], "FAILURE");
    const running = await launch(["daily"], "2024-03-12");

    expect(await summary("daily")).toEqual([
      "2024-01-01..2024-02-29 MISSING",
      "2024-03-01..2024-03-10 MATERIALIZED",
      "2024-03-11..2024-03-11 FAILED",
      "2024-03-12..2024-03-12 IN_PROGRESS",
      "2024-03-13..2024-03-31 MISSING",
    ]);
    const q1 = await ranges("daily");
    expect(q1.counts).toEqual({ materialized: 10, failed: 1, inProgress: 1, missing: 79, total: 91 });
    // Windows start at local midnight: 2024-01-01 00:00 in Berlin is 23:00 UTC the day before.
    expect(q1.ranges[0]).toMatchObject({ startIndex: 0, endIndex: 59, count: 60, start: "2023-12-31T23:00:00.000Z" });

    // A later success of 03-11 merges it into the materialized range (it goes first: priority).
    const retry = await launch(["daily"], "2024-03-11", undefined, { "strata/priority": "10" });
    const claimed = await claim();
    expect(claimed.id).toBe(retry.id);
    await runToEnd(claimed, ["2024-03-11"], "SUCCESS");
    expect(await summary("daily")).toEqual([
      "2024-01-01..2024-02-29 MISSING",
      "2024-03-01..2024-03-11 MATERIALIZED",
      "2024-03-12..2024-03-12 IN_PROGRESS",
      "2024-03-13..2024-03-31 MISSING",
    ]);

    // Canceling the 03-12 run turns it back to missing.
    const canceled = await env.app.gql(`mutation($id: ID!) { terminateRun(runId: $id) { ... on Run { status } } }`, { id: running.id });
    expect(canceled.data!.terminateRun).toEqual({ status: "CANCELED" });
    expect(await summary("daily")).toEqual([
      "2024-01-01..2024-02-29 MISSING",
      "2024-03-01..2024-03-11 MATERIALIZED",
      "2024-03-12..2024-03-31 MISSING",
    ]);

    // A window: from/to are keys; the ranges are cut to them.
    expect(
      (await ranges("daily", "2024-03-10", "2024-03-13")).ranges.map((r: { status: string; count: number }) => [r.status, r.count]),
    ).toEqual([
      ["MATERIALIZED", 2],
      ["MISSING", 2],
    ]);
  });

  it("marks the partitions of every partitioned asset a run selects, and a materialization reported without a run", async () => {
    const both = await launch(["daily", "daily_copy"], "2024-02-01");
    expect(both.__typename).toBe("Run");
    expect((await ranges("daily_copy", "2024-02-01", "2024-02-01")).ranges[0].status).toBe("IN_PROGRESS");
    await env.app.gql(`mutation($id: ID!) { terminateRun(runId: $id) { ... on Run { status } } }`, { id: both.id });
    const reported = await env.app.gql(
      `mutation { reportMaterialization(assetKey: "daily_copy", partition: "2024-02-02") { __typename ... on Error { message } } }`,
      {},
    );
    expect(reported.data!.reportMaterialization.__typename).toBe("Materialization");
    expect((await ranges("daily_copy", "2024-02-01", "2024-02-02")).ranges.map((r: { status: string }) => r.status)).toEqual([
      "MISSING",
      "MATERIALIZED",
    ]);
    const unknown = await env.app.gql(
      `mutation { reportMaterialization(assetKey: "daily_copy", partition: "2025-13-01") { __typename ... on PartitionKeysNotFoundError { keys } } }`,
      {},
    );
    expect(unknown.data!.reportMaterialization).toEqual({ __typename: "PartitionKeysNotFoundError", keys: ["2025-13-01"] });
  });
});

describe(`refused launches write nothing (${testDialect})`, () => {
  it("answers typed errors for an unknown key, a partition of an unpartitioned asset, and a key with a range", async () => {
    const before = await env.app.db.prisma.run.count();
    expect(await launch(["daily"], "2024-04-01")).toMatchObject({ __typename: "PartitionKeysNotFoundError", keys: ["2024-04-01"] });
    expect(await launch(["daily"], undefined, { from: "2024-01-01", to: "2099-01-01" })).toMatchObject({
      __typename: "PartitionKeysNotFoundError",
      keys: ["2099-01-01"],
    });
    expect(await launch(["plain"], "2024-01-01")).toMatchObject({ __typename: "AssetNotPartitionedError", assetKeys: ["plain"] });
    const unpartitioned = await env.app.gql(
      `mutation { launchRun(assetKeys: ["daily", "plain"]) { __typename ... on InvalidSelectionError { reason keys } } }`,
      {},
    );
    expect(unpartitioned.data!.launchRun).toEqual({ __typename: "InvalidSelectionError", reason: "MISSING_PARTITION", keys: ["daily"] });
    expect(await launch(["daily"], "2024-01-01", { from: "2024-01-01", to: "2024-01-02" })).toMatchObject({
      __typename: "InvalidArgumentError",
    });
    expect(await launch(["daily"], undefined, { from: "2024-01-05", to: "2024-01-01" })).toMatchObject({
      __typename: "InvalidArgumentError",
    });
    expect(await env.app.db.prisma.run.count()).toBe(before);
  });
});

describe(`dynamic partitions (${testDialect})`, () => {
  it("adds and deletes keys; a key a live run uses cannot be deleted; unknown keys are refused", async () => {
    const ADD = `mutation($k: [String!]!) { addDynamicPartitions(name: "customers", keys: $k) { __typename ... on DynamicPartitions { keys } ... on Error { message } } }`;
    const DELETE = `mutation($k: [String!]!) { deleteDynamicPartitions(name: "customers", keys: $k) {
      __typename ... on DynamicPartitions { keys } ... on PartitionKeysNotFoundError { keys } ... on PartitionInUseError { keys runIds } } }`;
    // Before its first key, the asset's status is empty, not an error.
    expect(await ranges("per_customer")).toEqual({
      ranges: [],
      counts: { materialized: 0, failed: 0, inProgress: 0, missing: 0, total: 0 },
    });
    expect((await env.app.gql(ADD, { k: ["acme", "globex"] })).data!.addDynamicPartitions).toEqual({
      __typename: "DynamicPartitions",
      keys: ["acme", "globex"],
    });
    expect((await env.app.gql(ADD, { k: ["globex", "initech"] })).data!.addDynamicPartitions.keys).toEqual(["acme", "globex", "initech"]);
    expect((await env.app.gql(ADD, { k: ["a|b"] })).data!.addDynamicPartitions.__typename).toBe("InvalidArgumentError");

    const DEF = `{ asset(key: "per_customer") { ... on Asset { definition { partitions { kind count dynamicName } } partitionKeys(first: 2) { edges { node cursor } pageInfo { hasNextPage endCursor } } } } }`;
    const def = (await env.app.gql(DEF, {})).data!.asset;
    expect(def.definition.partitions).toEqual({ kind: "DYNAMIC", count: 3, dynamicName: "customers" });
    expect(def.partitionKeys.edges.map((e: { node: string }) => e.node)).toEqual(["acme", "globex"]);
    expect(def.partitionKeys.pageInfo.hasNextPage).toBe(true);
    const rest = await env.app.gql(
      `query($a: String) { asset(key: "per_customer") { ... on Asset { partitionKeys(first: 5, after: $a) { edges { node } pageInfo { hasNextPage } } } } }`,
      {
        a: def.partitionKeys.pageInfo.endCursor,
      },
    );
    expect(rest.data!.asset.partitionKeys).toEqual({ edges: [{ node: "initech" }], pageInfo: { hasNextPage: false } });

    expect(await launch(["per_customer"], "umbrella")).toMatchObject({ __typename: "PartitionKeysNotFoundError", keys: ["umbrella"] });
    const live = await launch(["per_customer"], "acme");
    expect((await env.app.gql(DELETE, { k: ["acme"] })).data!.deleteDynamicPartitions).toEqual({
      __typename: "PartitionInUseError",
      keys: ["acme"],
      runIds: [live.id],
    });
    expect((await env.app.gql(DELETE, { k: ["nobody"] })).data!.deleteDynamicPartitions).toMatchObject({
      __typename: "PartitionKeysNotFoundError",
    });
    await env.app.gql(`mutation($id: ID!) { terminateRun(runId: $id) { ... on Run { status } } }`, { id: live.id });
    expect((await env.app.gql(DELETE, { k: ["acme"] })).data!.deleteDynamicPartitions).toEqual({
      __typename: "DynamicPartitions",
      keys: ["globex", "initech"],
    });
    expect((await env.app.gql(DEF, {})).data!.asset.definition.partitions.count).toBe(2);
  });

  it("needs the launch scope", async () => {
    const reader = await env.app.token("read");
    const result = await env.app.gql(`mutation { addDynamicPartitions(name: "customers", keys: ["x"]) { __typename } }`, {}, reader);
    expect(result.data!.addDynamicPartitions.__typename).toBe("UnauthorizedError");
  });
});
