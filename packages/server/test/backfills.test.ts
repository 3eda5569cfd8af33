import { describe, expect, it } from "vitest";
import { createLocationTestApp } from "../src/testing/location-app.js";
import { suiteFixture } from "./support/suite-fixture.js";
import { DAILY_Q1_BERLIN, manifestOf, REGISTER } from "../src/testing/manifests.js";
import { runStartPayload } from "../src/testing/events.js";
import { testDialect } from "../src/testing/test-database.js";
import { type ClaimedRun, claimRunAs, reportRunEventsAs } from "./support/location-worker.js";

// Daily partitions in Europe/Berlin for Q1 2024 (91 keys; `end` is exclusive).
const DAILY = DAILY_Q1_BERLIN;
const DAYS = Array.from({ length: 91 }, (_, i) => new Date(Date.UTC(2024, 0, 1 + i)).toISOString().slice(0, 10));
const PREVIOUS_DAY = { kind: "time_window", startOffset: -1, endOffset: 0, allowNonexistentUpstream: true };
// A self-dependent asset reads the day before itself (Dagster's start_offset=-1, end_offset=-1).
const YESTERDAY = { kind: "time_window", startOffset: -1, endOffset: -1, allowNonexistentUpstream: false };

const env = suiteFixture(() =>
  createLocationTestApp("fills", [
    // One pair per scenario, so that statuses of one do not leak into another.
    { key: "s4/a", partitions: DAILY },
    { key: "s4/b", deps: ["s4/a"], partitions: DAILY },
    { key: "s5/a", partitions: DAILY, backfillPolicy: { kind: "single_run" } },
    { key: "s7/a", partitions: DAILY },
    { key: "s7/b", deps: ["s7/a"], partitions: DAILY },
    { key: "s8/a", partitions: DAILY },
    { key: "ahead/a", partitions: DAILY },
    // b[k] reads a[k-1..k].
    { key: "chain/a", partitions: DAILY },
    { key: "chain/b", deps: ["chain/a"], partitions: DAILY, partitionMappings: { "chain/a": PREVIOUS_DAY } },
    { key: "self/total", deps: ["self/total"], partitions: DAILY, partitionMappings: { "self/total": YESTERDAY } },
    { key: "hourly", partitions: { ...DAILY, cron: "0 * * * *", format: "yyyy-MM-dd-HH:mm" } },
    { key: "plain" },
  ]),
);

const BACKFILL_FIELDS = `id status title assetKeys parentBackfillId runCount endedAt
  chunkCounts { waiting ready launched succeeded failed skipped canceled }
  assetStatuses { assetKey targeted materialized failed inProgress skipped }`;
const LAUNCH = `mutation($input: LaunchBackfillInput!) { launchBackfill(input: $input) {
  __typename ... on Backfill { ${BACKFILL_FIELDS} runs(first: 1000) { id status partitionKey partitionRange { from to } tags backfillId } }
  ... on Error { message code } ... on PartitionKeysNotFoundError { keys } ... on AssetNotPartitionedError { assetKeys } } }`;
const launch = async (input: Record<string, unknown>) => {
  const result = await env.app.gql(LAUNCH, { input });
  expect(result.errors).toBeUndefined();
  return result.data!.launchBackfill;
};
const backfill = async (id: string) => {
  const result = await env.app.gql(
    `query($id: ID!) { backfill(id: $id) { __typename ... on Backfill { ${BACKFILL_FIELDS} runs(first: 1000) { id status partitionKey partitionRange { from to } } } } }`,
    { id },
  );
  expect(result.errors).toBeUndefined();
  return result.data!.backfill;
};

type Claimed = ClaimedRun;

/** The coordinator admits what is queued, then the worker claims the next run (or null). */
const claim = async (): Promise<Claimed | null> => {
  await env.app.runs.tick();
  return claimRunAs(env.app, "fills", env.worker);
};
const report = (id: string, events: unknown[]) => reportRunEventsAs(env.app, env.worker, id, events);

let t = Date.now();
const partitionsOf = (run: Claimed) =>
  run.partitionKey ? [run.partitionKey] : DAYS.slice(DAYS.indexOf(run.partitionRange!.from), DAYS.indexOf(run.partitionRange!.to) + 1);
const assetOfStep = (step: string) => step.replaceAll("__", "/");

/**
 * A worker's whole run: each step in plan order materializes its asset for every partition of
 * the run; `failing` fails instead (with nothing materialized) and the steps after it are skipped.
 */
async function execute(run: Claimed, failing?: string) {
  const events: Record<string, unknown>[] = [];
  const push = (e: Record<string, unknown>) => events.push({ seq: events.length + 1, timestamp: t++, ...e });
  push({ type: "RUN_START", payload: runStartPayload(run) });
  let failed = false;
  for (const step of run.stepKeys) {
    if (failed) {
      push({ type: "STEP_SKIPPED", stepKey: step, payload: { reason: "upstream_failed", missing: [] } });
      continue;
    }
    push({ type: "STEP_START", stepKey: step, payload: { retryNumber: 0 } });
    if (assetOfStep(step) === failing) {
      failed = true;
      push({
        type: "STEP_FAILURE",
        stepKey: step,
        payload: { error: { name: "Error", message: "boom", stack: null, cause: null }, retryNumber: 0, userCode: true },
      });
      continue;
    }
    for (const partition of partitionsOf(run)) {
      const assetKey = assetOfStep(step);
      push({ type: "ASSET_MATERIALIZATION", stepKey: step, assetKey, payload: { assetKey, outputName: "result", partition } });
    }
    push({ type: "STEP_SUCCESS", stepKey: step, payload: { durationMs: 1, retryNumber: 0 } });
  }
  push(
    failed
      ? { type: "RUN_FAILURE", payload: { durationMs: 5, failedSteps: [run.stepKeys[0]] } }
      : { type: "RUN_SUCCESS", payload: { durationMs: 5 } },
  );
  expect(await report(run.id, events)).toMatchObject({ __typename: "RunReport" });
}

/** Claims and executes runs until none is left, failing `failing` (asset) on `failingPartition`. */
async function drain(failing?: { asset: string; partition: string }) {
  const done: Claimed[] = [];
  for (let run = await claim(); run; run = await claim()) {
    await execute(run, failing && partitionsOf(run).includes(failing.partition) ? failing.asset : undefined);
    done.push(run);
  }
  return done;
}

const statusOf = async (key: string, from: string, to: string) =>
  (
    await env.app.gql(
      `query($k: String!, $f: String, $t: String) { asset(key: $k) { ... on Asset { partitionStatus(from: $f, to: $t) { counts { materialized failed inProgress missing } } } } }`,
      {
        k: key,
        f: from,
        t: to,
      },
    )
  ).data!.asset.partitionStatus.counts;

describe(`backfills (${testDialect})`, () => {
  it("scenario 4: a → b over 90 days, 30 per run: 3 runs each materializing a then b for 30 days, ending 90/90 per asset", async () => {
    const launched = await launch({
      assetKeys: ["s4/a", "s4/b"],
      from: "2024-01-01",
      to: "2024-03-30",
      maxPartitionsPerRun: 30,
      title: "Q1",
    });
    expect(launched).toMatchObject({ __typename: "Backfill", status: "REQUESTED", title: "Q1", runCount: 3 });
    expect(launched.runs.map((r: { partitionRange: unknown }) => r.partitionRange)).toEqual([
      { from: "2024-01-01", to: "2024-01-30" },
      { from: "2024-01-31", to: "2024-02-29" },
      { from: "2024-03-01", to: "2024-03-30" },
    ]);
    expect(
      launched.runs.every(
        (r: { tags: Record<string, string>; backfillId: string }) =>
          r.tags["strata/backfill"] === launched.id && r.backfillId === launched.id,
      ),
    ).toBe(true);
    expect(await statusOf("s4/b", "2024-01-01", "2024-03-31")).toEqual({ materialized: 0, failed: 0, inProgress: 90, missing: 1 });

    const runs = await drain();
    expect(runs).toHaveLength(3);
    for (const run of runs) expect(run.stepKeys).toEqual(["s4__a", "s4__b"]);
    const ended = await backfill(launched.id);
    expect(ended).toMatchObject({ status: "COMPLETED_SUCCESS", chunkCounts: { succeeded: 3, waiting: 0, launched: 0 } });
    expect(ended.endedAt).not.toBeNull();
    expect(ended.assetStatuses).toEqual([
      { assetKey: "s4/a", targeted: 90, materialized: 90, failed: 0, inProgress: 0, skipped: 0 },
      { assetKey: "s4/b", targeted: 90, materialized: 90, failed: 0, inProgress: 0, skipped: 0 },
    ]);
    const materializations = await env.app.db.prisma.materialization.count({
      where: { assetKey: { in: ["s4/a", "s4/b"] }, partition: { not: null } },
    });
    expect(materializations).toBe(180);
  });

  it("scenario 5: a single-run policy (the asset's, or singleRun) makes one run over the whole range", async () => {
    const byPolicy = await launch({ assetKeys: ["s5/a"], from: "2024-01-01", to: "2024-03-30" });
    expect(byPolicy.runs).toEqual([
      expect.objectContaining({ partitionKey: null, partitionRange: { from: "2024-01-01", to: "2024-03-30" } }),
    ]);
    const [run] = await drain();
    expect(run!.partitionRange).toEqual({ from: "2024-01-01", to: "2024-03-30" });
    expect((await backfill(byPolicy.id)).assetStatuses).toEqual([
      { assetKey: "s5/a", targeted: 90, materialized: 90, failed: 0, inProgress: 0, skipped: 0 },
    ]);

    const forced = await launch({ assetKeys: ["s4/a", "s4/b"], all: true, singleRun: true });
    expect(forced.runs).toEqual([expect.objectContaining({ partitionRange: { from: "2024-01-01", to: "2024-03-31" } })]);
    await drain();
    expect((await backfill(forced.id)).status).toBe("COMPLETED_SUCCESS");
  });

  it("scenario 7: a failing partition ends the backfill COMPLETED_FAILED with exact counts; reexecuteBackfill targets exactly the failed and skipped pairs", async () => {
    const launched = await launch({ assetKeys: ["s7/a", "s7/b"], from: "2024-01-01", to: "2024-03-30" });
    expect(launched.runCount).toBe(90);
    const early = await env.app.gql(
      `mutation($id: ID!) { reexecuteBackfill(id: $id, strategy: FROM_FAILURE) { __typename ... on BackfillStatusError { status } } }`,
      {
        id: launched.id,
      },
    );
    expect(early.data!.reexecuteBackfill).toEqual({ __typename: "BackfillStatusError", status: "REQUESTED" });

    expect(await drain({ asset: "s7/a", partition: "2024-03-15" })).toHaveLength(90);
    const ended = await backfill(launched.id);
    expect(ended).toMatchObject({ status: "COMPLETED_FAILED", chunkCounts: { succeeded: 89, failed: 1, skipped: 0 } });
    expect(ended.assetStatuses).toEqual([
      { assetKey: "s7/a", targeted: 90, materialized: 89, failed: 1, inProgress: 0, skipped: 0 },
      { assetKey: "s7/b", targeted: 90, materialized: 89, failed: 0, inProgress: 0, skipped: 1 },
    ]);

    const retry = await env.app.gql(
      `mutation($id: ID!) { reexecuteBackfill(id: $id, strategy: FROM_FAILURE) { __typename ... on Backfill { ${BACKFILL_FIELDS} runs { partitionKey } } } }`,
      { id: launched.id },
    );
    const child = retry.data!.reexecuteBackfill;
    expect(child).toMatchObject({
      __typename: "Backfill",
      parentBackfillId: launched.id,
      runCount: 1,
      runs: [{ partitionKey: "2024-03-15" }],
    });
    expect(child.assetStatuses).toEqual([
      { assetKey: "s7/a", targeted: 1, materialized: 0, failed: 0, inProgress: 1, skipped: 0 },
      { assetKey: "s7/b", targeted: 1, materialized: 0, failed: 0, inProgress: 1, skipped: 0 },
    ]);
    await drain();
    expect((await backfill(child.id)).status).toBe("COMPLETED_SUCCESS");
    expect(await statusOf("s7/b", "2024-01-01", "2024-03-30")).toMatchObject({ materialized: 90 });
  });

  it("scenario 8: cancel with one run started and two waiting: those two CANCELED at once, the started one when its worker stops, nothing launched after", async () => {
    const launched = await launch({ assetKeys: ["s8/a"], from: "2024-01-01", to: "2024-01-09", maxPartitionsPerRun: 3 });
    expect(launched.runCount).toBe(3);
    const running = (await claim())!;
    const canceled = await env.app.gql(
      `mutation($id: ID!) { cancelBackfill(id: $id) { __typename ... on Backfill { status runs { id status } } } }`,
      { id: launched.id },
    );
    const after = canceled.data!.cancelBackfill;
    expect(after.status).toBe("CANCELING");
    expect(Object.fromEntries(after.runs.map((r: { id: string; status: string }) => [r.id, r.status]))).toEqual(
      Object.fromEntries(launched.runs.map((r: { id: string }) => [r.id, r.id === running.id ? "CANCELING" : "CANCELED"])),
    );
    expect(await statusOf("s8/a", "2024-01-04", "2024-01-09")).toMatchObject({ missing: 6, inProgress: 0 });

    // The worker stops the run: it reports RUN_CANCELED.
    const stop = [
      {
        seq: 1,
        type: "RUN_START",
        timestamp: t++,
        payload: {
          runId: running.id,
          stepKeys: running.stepKeys,
          assetKeys: running.assetKeys,
          parentRunId: null,
          rootRunId: null,
          strategy: null,
          reusedOutputs: [],
        },
      },
      { seq: 2, type: "RUN_CANCELED", timestamp: t++, payload: { durationMs: 3 } },
    ];
    expect(await report(running.id, stop)).toMatchObject({ __typename: "RunReport" });
    const ended = await backfill(launched.id);
    expect(ended).toMatchObject({ status: "CANCELED", runCount: 3, chunkCounts: { canceled: 3, launched: 0 } });
    expect(ended.endedAt).not.toBeNull();
    expect(await claim()).toBeNull();
    expect(await env.app.db.prisma.run.count({ where: { backfillId: launched.id } })).toBe(3);
    expect(await statusOf("s8/a", "2024-01-01", "2024-01-09")).toMatchObject({ missing: 9 });
    const again = await env.app.gql(`mutation($id: ID!) { cancelBackfill(id: $id) { __typename ... on BackfillStatusError { status } } }`, {
      id: launched.id,
    });
    expect(again.data!.cancelBackfill).toEqual({ __typename: "BackfillStatusError", status: "CANCELED" });
  });

  it("keeps at most runsAhead runs of a backfill: the other chunks wait READY, each run's end creates the next, cancel creates none", async () => {
    const config = env.app.runs.config as { backfillRunsAhead: number };
    config.backfillRunsAhead = 2;
    try {
      const launched = await launch({ assetKeys: ["ahead/a"], from: "2024-01-01", to: "2024-01-05", maxPartitionsPerRun: 1 });
      expect(launched).toMatchObject({ runCount: 5, chunkCounts: { waiting: 0, ready: 3, launched: 2 } });
      expect(launched.runs.map((r: { partitionKey: string }) => r.partitionKey).sort()).toEqual(["2024-01-01", "2024-01-02"]);
      // Queued runs only for the two: the status of the rest stays MISSING until their runs exist.
      expect(await statusOf("ahead/a", "2024-01-01", "2024-01-05")).toMatchObject({ inProgress: 2, missing: 3 });
      const first = (await claim())!;
      await execute(first);
      // Its end created the third run in its transaction: still two of the backfill's runs exist unfinished.
      expect(await backfill(launched.id)).toMatchObject({ chunkCounts: { ready: 2, launched: 2, succeeded: 1 } });
      const done = await drain();
      expect(done.map((r) => r.partitionKey).sort()).toEqual(["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05"]);
      expect(await backfill(launched.id)).toMatchObject({
        status: "COMPLETED_SUCCESS",
        chunkCounts: { ready: 0, launched: 0, succeeded: 5 },
        assetStatuses: [{ assetKey: "ahead/a", targeted: 5, materialized: 5 }],
      });

      // Canceled with READY chunks: they are CANCELED, and no run is created for them afterwards.
      const second = await launch({ assetKeys: ["ahead/a"], from: "2024-01-06", to: "2024-01-10", maxPartitionsPerRun: 1 });
      expect(second.chunkCounts).toMatchObject({ ready: 3, launched: 2 });
      const canceled = await env.app.gql(`mutation($id: ID!) { cancelBackfill(id: $id) { __typename ... on Backfill { status } } }`, {
        id: second.id,
      });
      expect(canceled.data!.cancelBackfill).toEqual({ __typename: "Backfill", status: "CANCELED" });
      expect(await backfill(second.id)).toMatchObject({ chunkCounts: { ready: 0, launched: 0, canceled: 5 } });
      expect(await claim()).toBeNull();
      expect(await env.app.db.prisma.run.count({ where: { backfillId: second.id } })).toBe(2);
    } finally {
      config.backfillRunsAhead = 1000;
    }
  });

  it("a chain: a chunk's run is created in the transaction that ends the run it depends on, and a failure skips what depends on it", async () => {
    const launched = await launch({ assetKeys: ["chain/a", "chain/b"], from: "2024-01-02", to: "2024-01-05" });
    expect(launched).toMatchObject({ runCount: 4, chunkCounts: { launched: 1, waiting: 3 } });
    expect(launched.runs).toEqual([expect.objectContaining({ partitionKey: "2024-01-02" })]);
    const chunks = await env.app.gql(
      `query($id: ID!) { backfill(id: $id) { ... on Backfill { chunks { idx startKey dependsOn state } } } }`,
      {
        id: launched.id,
      },
    );
    expect(chunks.data!.backfill.chunks).toEqual([
      { idx: 0, startKey: "2024-01-02", dependsOn: [], state: "LAUNCHED" },
      { idx: 1, startKey: "2024-01-03", dependsOn: [0], state: "WAITING" },
      { idx: 2, startKey: "2024-01-04", dependsOn: [1], state: "WAITING" },
      { idx: 3, startKey: "2024-01-05", dependsOn: [2], state: "WAITING" },
    ]);
    const runFor = (key: string) => env.app.db.prisma.run.findFirst({ where: { backfillId: launched.id, partitionKey: key } });

    expect(await runFor("2024-01-03")).toBeNull();
    await execute((await claim())!);
    // No sleep, no tick: the report's own transaction created the next run.
    expect(await runFor("2024-01-03")).toMatchObject({ status: expect.stringMatching(/QUEUED|STARTING/) });
    expect(await runFor("2024-01-04")).toBeNull();

    const second = (await claim())!;
    expect(second.partitionKey).toBe("2024-01-03");
    await execute(second, "chain/a");
    const ended = await backfill(launched.id);
    expect(ended).toMatchObject({
      status: "COMPLETED_FAILED",
      chunkCounts: { succeeded: 1, failed: 1, skipped: 2, waiting: 0, launched: 0 },
    });
    expect(ended.assetStatuses).toEqual([
      { assetKey: "chain/a", targeted: 4, materialized: 1, failed: 1, inProgress: 0, skipped: 2 },
      { assetKey: "chain/b", targeted: 4, materialized: 1, failed: 0, inProgress: 0, skipped: 3 },
    ]);
    expect(await runFor("2024-01-04")).toBeNull();
    expect(await claim()).toBeNull();

    const retry = await env.app.gql(
      `mutation($id: ID!) { reexecuteBackfill(id: $id, strategy: FROM_FAILURE) { ... on Backfill { id runCount runs { partitionKey } } } }`,
      {
        id: launched.id,
      },
    );
    expect(retry.data!.reexecuteBackfill).toMatchObject({ runCount: 3, runs: [{ partitionKey: "2024-01-03" }] });
    expect(await drain()).toHaveLength(3);
    expect((await backfill(retry.data!.reexecuteBackfill.id)).status).toBe("COMPLETED_SUCCESS");
  });

  it("a self-dependent asset: 30 days chain one run per day, each created by the end of the day before; a failure skips the rest; single-run is one run", async () => {
    const launched = await launch({ assetKeys: ["self/total"], from: "2024-02-01", to: "2024-03-01" });
    expect(launched).toMatchObject({ runCount: 30, chunkCounts: { launched: 1, waiting: 29 } });
    expect(launched.runs).toEqual([expect.objectContaining({ partitionKey: "2024-02-01" })]);
    const chunks = await env.app.gql(`query($id: ID!) { backfill(id: $id) { ... on Backfill { chunks(first: 100) { idx dependsOn } } } }`, {
      id: launched.id,
    });
    // Each day waits for the day before, and only for it.
    expect(chunks.data!.backfill.chunks).toEqual(Array.from({ length: 30 }, (_, i) => ({ idx: i, dependsOn: i === 0 ? [] : [i - 1] })));
    const runFor = (key: string) => env.app.db.prisma.run.findFirst({ where: { backfillId: launched.id, partitionKey: key } });
    const order: string[] = [];
    for (let day = 0; day < 30; day++) {
      const run = (await claim())!;
      expect(run.partitionKey).toBe(DAYS[31 + day]);
      // Nothing runs ahead of the chain: the next day has no run until this one ends.
      if (day < 29) expect(await runFor(DAYS[32 + day]!)).toBeNull();
      await execute(run, day === 20 ? "self/total" : undefined);
      order.push(run.partitionKey!);
      if (day === 20) break;
      // The report's own transaction created the next day's run and admitted it (nothing else is
      // queued, no limit): no tick, no sleep, no coordinator pass.
      expect(await runFor(DAYS[32 + day]!)).toMatchObject({ status: "STARTING" });
    }
    expect(order).toEqual(DAYS.slice(31, 52));
    expect(await claim()).toBeNull();
    const ended = await backfill(launched.id);
    expect(ended).toMatchObject({ status: "COMPLETED_FAILED", chunkCounts: { succeeded: 20, failed: 1, skipped: 9, waiting: 0 } });
    expect(ended.assetStatuses).toEqual([{ assetKey: "self/total", targeted: 30, materialized: 20, failed: 1, inProgress: 0, skipped: 9 }]);

    // The retry is the failed day and the nine skipped after it, chained again.
    const retry = await env.app.gql(
      `mutation($id: ID!) { reexecuteBackfill(id: $id, strategy: FROM_FAILURE) { ... on Backfill { id runCount runs { partitionKey } } } }`,
      { id: launched.id },
    );
    expect(retry.data!.reexecuteBackfill).toMatchObject({ runCount: 10, runs: [{ partitionKey: "2024-02-21" }] });
    expect((await drain()).map((r) => r.partitionKey)).toEqual(DAYS.slice(51, 61));
    expect((await backfill(retry.data!.reexecuteBackfill.id)).status).toBe("COMPLETED_SUCCESS");

    // 10 days per run: three runs, each waiting for the one before.
    const chunked = await launch({ assetKeys: ["self/total"], from: "2024-01-01", to: "2024-01-30", maxPartitionsPerRun: 10 });
    expect(chunked).toMatchObject({ runCount: 3, chunkCounts: { launched: 1, waiting: 2 } });
    expect((await drain()).map((r) => r.partitionRange)).toEqual([
      { from: "2024-01-01", to: "2024-01-10" },
      { from: "2024-01-11", to: "2024-01-20" },
      { from: "2024-01-21", to: "2024-01-30" },
    ]);
    // Single run: one run over the whole range, nothing to wait for.
    const single = await launch({ assetKeys: ["self/total"], from: "2024-03-02", to: "2024-03-31", singleRun: true });
    expect(single).toMatchObject({ runCount: 1, runs: [{ partitionRange: { from: "2024-03-02", to: "2024-03-31" } }] });
    await drain();
    expect((await backfill(single.id)).status).toBe("COMPLETED_SUCCESS");
    // Every day but 01-31, which no backfill here targeted.
    expect(await statusOf("self/total", "2024-01-01", "2024-03-31")).toEqual({ materialized: 90, failed: 0, inProgress: 0, missing: 1 });
  });

  it("registration refuses a self-dependency through which a partition would read itself, and draws the valid one as lineage, not a cycle", async () => {
    const register = (mapping: unknown) =>
      env.app.gql(REGISTER.replace("problems { path message }", "problems { path message code }"), {
        name: "selfbad",
        ...manifestOf([{ key: "selfbad/x", deps: ["selfbad/x"], partitions: DAILY, partitionMappings: { "selfbad/x": mapping } }]),
      });
    const refused = await register({ ...YESTERDAY, endOffset: 0 });
    expect(refused.data!.registerCodeLocation.problems).toEqual([
      {
        path: "assets.0.deps",
        code: "cycle",
        message: expect.stringMatching(
          /^asset "selfbad\/x" depends on itself: timeWindowMapping\(\{ startOffset: -1, endOffset: 0 \}\) would make a partition read itself/,
        ),
      },
    ]);
    const lineage = await env.app.gql(
      `{ asset(key: "self/total") { ... on Asset { definition { dependencyKeys } upstream(depth: null) { key } downstream(depth: null) { key } } } }`,
    );
    expect(lineage.errors).toBeUndefined();
    expect(lineage.data!.asset).toEqual({ definition: { dependencyKeys: ["self/total"] }, upstream: [], downstream: [] });
  });

  it("backfillChanged publishes the backfill when a run of it ends and when it is canceled", async () => {
    const launched = await launch({ assetKeys: ["s5/a"], from: "2024-01-01", to: "2024-01-04", maxPartitionsPerRun: 2 });
    const changes = await env.app.subscribe(
      `subscription($id: ID!) { backfillChanged(id: $id) { id status chunkCounts { launched succeeded canceled } } }`,
      {
        id: launched.id,
      },
    );
    try {
      await execute((await claim())!);
      expect((await changes.next()).data!.backfillChanged).toEqual({
        id: launched.id,
        status: "REQUESTED",
        chunkCounts: { launched: 1, succeeded: 1, canceled: 0 },
      });
      await env.app.gql(`mutation($id: ID!) { cancelBackfill(id: $id) { __typename } }`, { id: launched.id });
      let last = (await changes.next()).data!.backfillChanged;
      while (last.status !== "CANCELED") last = (await changes.next()).data!.backfillChanged;
      expect(last).toEqual({ id: launched.id, status: "CANCELED", chunkCounts: { launched: 0, succeeded: 1, canceled: 1 } });
    } finally {
      changes.close();
    }
  });

  it("previewBackfill states the runs and writes nothing; only MISSING leaves out what is materialized", async () => {
    const before = { runs: await env.app.db.prisma.run.count(), backfills: await env.app.db.prisma.backfill.count() };
    const PREVIEW = `mutation($input: LaunchBackfillInput!) { previewBackfill(input: $input) {
      __typename ... on BackfillPreview { runCount policy targeted { assetKey targeted } chunks(first: 2) { idx startKey endKey partitionCount dependsOn } } } }`;
    const preview = await env.app.gql(PREVIEW, { input: { assetKeys: ["s4/a", "s4/b"], all: true, maxPartitionsPerRun: 7 } });
    expect(preview.data!.previewBackfill).toEqual({
      __typename: "BackfillPreview",
      runCount: 13,
      policy: { kind: "multi_run", maxPartitionsPerRun: 7 },
      targeted: [
        { assetKey: "s4/a", targeted: 91 },
        { assetKey: "s4/b", targeted: 91 },
      ],
      chunks: [
        { idx: 0, startKey: "2024-01-01", endKey: "2024-01-07", partitionCount: 7, dependsOn: [] },
        { idx: 1, startKey: "2024-01-08", endKey: "2024-01-14", partitionCount: 7, dependsOn: [] },
      ],
    });
    // s7/a: 2024-03-15 failed then succeeded in the retry; every Q1 day but 03-31 is materialized.
    const missing = await env.app.gql(PREVIEW, { input: { assetKeys: ["s7/a"], all: true, only: "MISSING" } });
    expect(missing.data!.previewBackfill).toMatchObject({ runCount: 1, chunks: [{ startKey: "2024-03-31", endKey: "2024-03-31" }] });
    expect({ runs: await env.app.db.prisma.run.count(), backfills: await env.app.db.prisma.backfill.count() }).toEqual(before);
  });

  it("refuses unknown keys, unpartitioned or differently partitioned assets, an empty target and unknown backfills, writing nothing", async () => {
    const before = { runs: await env.app.db.prisma.run.count(), backfills: await env.app.db.prisma.backfill.count() };
    expect(await launch({ assetKeys: ["s4/a"], from: "2024-01-01", to: "2024-04-01" })).toMatchObject({
      __typename: "PartitionKeysNotFoundError",
      keys: ["2024-04-01"],
    });
    expect(await launch({ assetKeys: ["s4/a"], keys: ["2024-01-01", "nope"] })).toMatchObject({
      __typename: "PartitionKeysNotFoundError",
      keys: ["nope"],
    });
    expect(await launch({ assetKeys: ["plain"], all: true })).toMatchObject({
      __typename: "AssetNotPartitionedError",
      assetKeys: ["plain"],
    });
    expect(await launch({ assetKeys: ["s4/a", "hourly"], all: true })).toMatchObject({ __typename: "AssetNotPartitionedError" });
    expect(await launch({ assetKeys: ["s4/a"], from: "2024-01-01", to: "2024-01-31", only: "MISSING" })).toMatchObject({
      __typename: "InvalidArgumentError",
      code: "BAD_USER_INPUT",
    });
    expect(await launch({ assetKeys: ["s4/a"] })).toMatchObject({ __typename: "InvalidArgumentError" });
    expect(await launch({ assetKeys: ["s4/a"], from: "2024-02-01", to: "2024-01-01" })).toMatchObject({
      __typename: "InvalidArgumentError",
    });
    expect(await launch({ assetKeys: ["nowhere"], all: true })).toMatchObject({ __typename: "InvalidSelectionError" });
    const id = "00000000-0000-0000-0000-000000000000";
    for (const mutation of ["cancelBackfill(id: $id)", "reexecuteBackfill(id: $id, strategy: FROM_FAILURE)"]) {
      const result = await env.app.gql(
        `mutation($id: ID!) { ${mutation.replace(/\(.*/, "")}: ${mutation} { __typename ... on NotFoundError { kind } } }`,
        { id },
      );
      expect(Object.values(result.data!)[0]).toEqual({ __typename: "NotFoundError", kind: "backfill" });
    }
    expect(await backfill(id)).toEqual({ __typename: "NotFoundError" });
    expect({ runs: await env.app.db.prisma.run.count(), backfills: await env.app.db.prisma.backfill.count() }).toEqual(before);
  });

  it("scopes: read lists backfills; launching one needs launch", async () => {
    const reader = await env.app.token("read");
    const listed = await env.app.gql(`{ backfills(first: 2) { edges { node { id status } } } }`, {}, reader);
    expect(listed.errors).toBeUndefined();
    expect(listed.data!.backfills.edges).toHaveLength(2);
    const refused = await env.app.gql(LAUNCH, { input: { assetKeys: ["s4/a"], all: true } }, reader);
    expect(refused.data?.launchBackfill ?? refused.errors?.[0]).toMatchObject({ code: "FORBIDDEN" });
  });
});
