import { manifestSchema, planReexecution } from "@strata/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { previewRunEventPurge, PURGED_RUN_EVENT_TYPES, purgeRunEvents } from "../src/retention/run-event-purge.js";
import { runRetentionOnce } from "../src/retention/retention-job.js";
import { readExecutorEvents } from "../src/runs/run-events.js";
import { runStartPayload } from "../src/testing/events.js";
import { manifestOf, REGISTER } from "../src/testing/manifests.js";
import { createTestApp, type TestApp } from "../src/testing/test-app.js";
import { testDialect } from "../src/testing/test-database.js";

const DAY = 86_400_000;

describe(`retention of run events (${testDialect})`, () => {
  let app: TestApp;
  let worker: string;
  let t = Date.now();
  const event = (seq: number, type: string, extra: Record<string, unknown> = {}) => ({ seq, type, timestamp: t++, payload: {}, ...extra });
  const log = (seq: number, stepKey: string) =>
    event(seq, "LOG", { stepKey, level: "info", message: `line ${seq}`, payload: { extra: null } });
  const error = { name: "Error", message: "boom", stack: null, cause: null };
  /** a → b: a materializes (logging a lot, after one retry), b fails. */
  const failedRun = (id: string) => [
    event(1, "RUN_START", { payload: runStartPayload({ id, stepKeys: ["a", "b"], assetKeys: ["a", "b"] }) }),
    event(2, "STEP_START", { stepKey: "a", payload: { retryNumber: 0 } }),
    event(3, "STEP_UP_FOR_RETRY", { stepKey: "a", payload: { retryNumber: 1, delayMs: 10, error } }),
    event(4, "STEP_RESTARTED", { stepKey: "a", payload: { retryNumber: 1 } }),
    ...Array.from({ length: 20 }, (_, i) => log(5 + i, "a")),
    event(25, "STEP_OUTPUT", { stepKey: "a", assetKey: "a", payload: { outputName: "result", assetKey: "a", stored: true, metadata: {} } }),
    event(26, "ASSET_MATERIALIZATION", { stepKey: "a", assetKey: "a", payload: { assetKey: "a", outputName: "result", metadata: {} } }),
    event(27, "STEP_SUCCESS", { stepKey: "a", payload: { durationMs: 5, retryNumber: 1 } }),
    event(28, "STEP_START", { stepKey: "b", payload: { retryNumber: 0 } }),
    event(29, "STEP_FAILURE", { stepKey: "b", payload: { error, retryNumber: 0, userCode: true } }),
    event(30, "RUN_FAILURE", { payload: { durationMs: 9, failedSteps: ["b"], skippedSteps: [], error: null } }),
  ];

  async function finishedRun(endedDaysAgo: number): Promise<string> {
    const launched = await app.gql(`mutation { launchRun(assetKeys: ["a", "b"]) { ... on Run { id } } }`);
    const claimed = await app.gql(
      `mutation { claimRun(location: "etl", workerId: "w1") { ... on ClaimRunResult { run { id } } } }`,
      {},
      worker,
    );
    const id = claimed.data!.claimRun.run.id as string;
    expect(id).toBe(launched.data!.launchRun.id);
    const reported = await app.gql(
      `mutation ($id: ID!, $e: [RunEventInput!]!) { reportRunEvents(runId: $id, workerId: "w1", events: $e) { __typename ... on RunReport { status } } }`,
      { id, e: failedRun(id) },
      worker,
    );
    expect(reported.data!.reportRunEvents.status).toBe("FAILURE");
    await app.db.sql.query(`UPDATE "Run" SET "endedAt" = now() - make_interval(days => $2) WHERE id = $1`, [id, endedDaysAgo]);
    return id;
  }

  const history = async () =>
    app.gql(`{
      a: asset(key: "a") { ... on Asset { lastMaterializedAt materializations(first: 10) { edges { node { runId stepKey } } } } }
      lineage { nodes { key } edges { from to } }
      runs(first: 10) { edges { node { id status failureReason steps { stepKey status attempts } materializations { assetKey } } } }
    }`);
  const eventTypes = async (id: string) =>
    (await app.db.sql.query<{ type: string }>(`SELECT type FROM "RunEvent" WHERE "runId" = $1 ORDER BY seq`, [id])).map((r) => r.type);

  let old: string;
  let recent: string;
  beforeAll(async () => {
    app = await createTestApp();
    worker = await app.token("location:etl");
    const registered = await app.gql(REGISTER, { name: "etl", ...manifestOf([{ key: "a" }, { key: "b", deps: ["a"] }]) }, worker);
    expect(registered.data!.registerCodeLocation.__typename).toBe("RegisterCodeLocationSuccess");
    old = await finishedRun(40);
    recent = await finishedRun(2);
  });
  afterAll(() => app.close());

  it("at 30 days deletes an old run's log and transient events, keeps asset history, and says when", async () => {
    const before = await history();
    const manifest = manifestSchema.parse(manifestOf([{ key: "a" }, { key: "b", deps: ["a"] }]).manifest);
    const plansBefore = await Promise.all(
      (["FROM_FAILURE", "FROM_ASSET_FAILURE", "ALL_STEPS"] as const).map(async (s) =>
        planReexecution(manifest, await readExecutorEvents(app.db.sql, old), s),
      ),
    );

    const cutoff = new Date(Date.now() - 30 * DAY);
    expect(await previewRunEventPurge(app.db.sql, cutoff)).toEqual({
      runs: 1,
      events: { LOG: 20, RUN_FAILURE: 1, STEP_RESTARTED: 1, STEP_START: 2, STEP_UP_FOR_RETRY: 1 },
    });
    const report = await runRetentionOnce(app.db.sql, { runEventsDays: 30, batchRows: 7 });
    expect(report).toMatchObject({ runs: 1, deleted: 25 });

    expect(await eventTypes(old)).toEqual(["RUN_START", "STEP_OUTPUT", "ASSET_MATERIALIZATION", "STEP_SUCCESS", "STEP_FAILURE"]);
    expect((await eventTypes(recent)).length).toBe(30);
    expect((await eventTypes(old)).some((type) => (PURGED_RUN_EVENT_TYPES as readonly string[]).includes(type))).toBe(false);
    // Catalog, lineage, materializations, runs and their steps: as before.
    expect(await history()).toEqual(before);
    // Re-execution plans the same from what is left.
    for (const [i, strategy] of (["FROM_FAILURE", "FROM_ASSET_FAILURE", "ALL_STEPS"] as const).entries()) {
      expect(planReexecution(manifest, await readExecutorEvents(app.db.sql, old), strategy)).toEqual(plansBefore[i]);
    }
    const runs = await app.gql(
      `query ($a: ID!, $b: ID!) { old: run(id: $a) { ... on Run { eventsPurgedAt } } recent: run(id: $b) { ... on Run { eventsPurgedAt } } }`,
      { a: old, b: recent },
    );
    expect(Date.parse(runs.data!.old.eventsPurgedAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(runs.data!.recent.eventsPurgedAt).toBeNull();
    const reexecuted = await app.gql(
      `mutation ($id: ID!) { reexecuteRun(runId: $id, strategy: FROM_FAILURE) { __typename ... on Run { stepKeys } } }`,
      { id: old },
    );
    expect(reexecuted.data!.reexecuteRun).toEqual({ __typename: "Run", stepKeys: ["b"] });

    // A second pass finds nothing left to do.
    expect(await runRetentionOnce(app.db.sql, { runEventsDays: 30, batchRows: 7 })).toMatchObject({ runs: 0, deleted: 0 });
  });

  it("is off unless configured, and one replica at a time purges", async () => {
    expect(await runRetentionOnce(app.db.sql, { runEventsDays: null, batchRows: 5000 })).toMatchObject({ runs: 0 });
    if (testDialect !== "postgres") return; // PGlite is one connection: no second replica to exclude
    await app.db.sql.session(async (other) => {
      await other.query(`SELECT pg_advisory_lock(5337003)`);
      try {
        expect(await runRetentionOnce(app.db.sql, { runEventsDays: 1, batchRows: 5000 })).toBeNull();
      } finally {
        await other.query(`SELECT pg_advisory_unlock(5337003)`);
      }
    });
  });

  it.runIf(testDialect === "postgres")("deletes 1,000,000 events without a statement over a second", async () => {
    // 200 ended runs of 5,000 LOG events each, written straight into the tables.
    const [location] = await app.db.sql.query<{ id: string }>(`SELECT id FROM "CodeLocation" WHERE name = 'etl'`);
    await app.db.sql.query(
      `INSERT INTO "Run" (id, status, "locationId", selection, plan, "tagPairs", "createdAt", "updatedAt", "endedAt", "lastEventSeq")
       SELECT 'bulk-' || i, 'SUCCESS', $1, '{}', '{}'::jsonb, '{}', now() - interval '90 days', now(), now() - interval '90 days', 5000
       FROM generate_series(1, 200) AS i`,
      [location!.id],
    );
    await app.db.sql.query(
      `INSERT INTO "RunEvent" ("runId", seq, type, level, message, payload, timestamp)
       SELECT 'bulk-' || r, s, 'LOG', 'info', 'bulk line', '{"extra":null}'::jsonb, now() - interval '90 days'
       FROM generate_series(1, 200) AS r, generate_series(1, 5000) AS s`,
    );
    await app.db.sql.query(`ANALYZE "RunEvent"`);
    const started = performance.now();
    const report = await purgeRunEvents(app.db.sql, { cutoff: new Date(Date.now() - 30 * DAY), batchRows: 5_000 });
    const seconds = (performance.now() - started) / 1000;
    process.stderr.write(
      `[retention] ${report.deleted} events of ${report.runs} runs deleted in ${seconds.toFixed(1)} s, ${report.statements} statements, the longest ${report.longestStatementMs.toFixed(0)} ms\n`,
    );
    expect(report.deleted).toBe(1_000_000);
    expect(report.longestStatementMs).toBeLessThan(1_000);
  });
});

describe(`retention of automation ticks and of runs that recorded nothing (${testDialect})`, () => {
  let app: TestApp;
  let locationId: string;
  beforeAll(async () => {
    app = await createTestApp();
    const registered = await app.gql(REGISTER, { name: "etl", ...manifestOf([{ key: "a" }, { key: "b", deps: ["a"] }]) });
    expect(registered.data!.registerCodeLocation.__typename).toBe("RegisterCodeLocationSuccess");
    [{ id: locationId }] = (await app.db.sql.query<{ id: string }>(`SELECT id FROM "CodeLocation" WHERE name = 'etl'`)) as [{ id: string }];
  });
  afterAll(() => app.close());

  /** A tick `daysAgo` old with evaluations of these assets; returns its id. */
  async function tick(status: string, daysAgo: number, evaluated: string[] = []): Promise<string> {
    const [row] = await app.db.sql.query<{ id: string }>(
      `INSERT INTO "AutomationTick" ("locationId", status, "startedAt", "endedAt", "runIds")
       VALUES ($1, $2::"AutomationTickStatus", now() - make_interval(days => $3), now() - make_interval(days => $3), '{}') RETURNING id::text`,
      [locationId, status, daysAgo],
    );
    for (const key of evaluated)
      await app.db.sql.query(
        `INSERT INTO "AutomationEvaluation" ("tickId", "assetKey", requested, nodes, "runIds") VALUES ($1::bigint, $2, false, '[]'::jsonb, '{}')`,
        [row!.id, key],
      );
    return row!.id;
  }
  const ticks = async () => (await app.db.sql.query<{ id: string }>(`SELECT id::text FROM "AutomationTick" ORDER BY id`)).map((r) => r.id);

  it("deletes old ticks by status, keeping each asset's latest evaluation and everything recent", async () => {
    const oldSkipped = await tick("SKIPPED", 20, ["a"]);
    const latestOfB = await tick("SKIPPED", 20, ["b"]); // b's only evaluation: "why not" still needs it
    const newerOfA = await tick("SKIPPED", 15, ["a"]);
    const oldSuccess = await tick("SUCCESS", 20, ["a"]);
    const recentSkipped = await tick("SKIPPED", 2);
    const latestOfA = await tick("SKIPPED", 1, ["a"]);
    expect(await runRetentionOnce(app.db.sql, { runEventsDays: null, skippedTicksDays: 7, batchRows: 2 })).toMatchObject({ ticks: 2 });
    expect(await ticks()).toEqual([latestOfB, oldSuccess, recentSkipped, latestOfA]);
    expect(oldSkipped < newerOfA).toBe(true);
    // Successful and failed ticks follow their own setting.
    expect(await runRetentionOnce(app.db.sql, { runEventsDays: null, ticksDays: 30, batchRows: 100 })).toMatchObject({ ticks: 0 });
    expect(await runRetentionOnce(app.db.sql, { runEventsDays: null, ticksDays: 10, batchRows: 100 })).toMatchObject({ ticks: 1 });
    expect(await ticks()).toEqual([latestOfB, recentSkipped, latestOfA]);
    // "Why (not)" still answers for b from its only evaluation, in the old tick that was kept.
    const why = await app.gql(
      `{ asset(key: "b") { ... on Asset { automationEvaluations(first: 1) { edges { node { tick { id } } } } } } }`,
    );
    expect(why.data!.asset.automationEvaluations.edges).toEqual([{ node: { tick: { id: latestOfB } } }]);
  });

  it("deletes old runs that recorded nothing, with their events and steps; keeps any run with history", async () => {
    const launch = async () =>
      (await app.gql(`mutation { launchRun(assetKeys: ["a", "b"]) { ... on Run { id } } }`)).data!.launchRun.id as string;
    const terminate = (id: string) => app.gql(`mutation($id: ID!) { terminateRun(runId: $id) { __typename } }`, { id });
    const age = (id: string, days: number) =>
      app.db.sql.query(
        `UPDATE "Run" SET "createdAt" = now() - make_interval(days => $2), "endedAt" = now() - make_interval(days => $2) WHERE id = $1`,
        [id, days],
      );
    // Canceled before any worker held them: nothing recorded.
    const empty = await launch();
    await terminate(empty);
    const recentEmpty = await launch();
    await terminate(recentEmpty);
    // One whose asset was materialized, and one re-executed by a later run.
    const productive = await launch();
    await terminate(productive);
    await app.db.sql.query(
      `INSERT INTO "Materialization" ("assetKey", "runId", metadata, timestamp) VALUES ('a', $1, '{}'::jsonb, now())`,
      [productive],
    );
    const parent = await launch();
    await terminate(parent);
    const child = await app.gql(`mutation($id: ID!) { reexecuteRun(runId: $id, strategy: ALL_STEPS) { __typename ... on Run { id } } }`, {
      id: parent,
    });
    expect(child.data!.reexecuteRun.__typename).toBe("Run");
    for (const id of [empty, productive, parent]) await age(id, 40);
    await age(recentEmpty, 3);
    expect(await app.db.sql.query(`SELECT count(*)::int AS n FROM "RunEvent" WHERE "runId" = $1`, [empty])).toEqual([{ n: 1 }]);
    // Its steps, as launched: no foreign key's cascade deletes them, the purge must.
    expect(await app.db.sql.query(`SELECT count(*)::int AS n FROM "RunStep" WHERE "runId" = $1`, [empty])).toEqual([{ n: 2 }]);
    // Past the run's last seq, so outside the ranges deleted first: events are no foreign key's
    // cascade, and this one must still go with its run.
    await app.db.sql.query(`INSERT INTO "RunEvent" ("runId", seq, type) VALUES ($1, 99, 'ENGINE_EVENT')`, [empty]);

    const report = await runRetentionOnce(app.db.sql, { runEventsDays: null, emptyRunsDays: 30, batchRows: 100 });
    expect(report).toMatchObject({ emptyRuns: 1 });
    const left = async (id: string) => (await app.gql(`query($id: ID!) { run(id: $id) { __typename } }`, { id })).data!.run.__typename;
    expect(await left(empty)).toBe("NotFoundError");
    expect([await left(recentEmpty), await left(productive), await left(parent)]).toEqual(["Run", "Run", "Run"]);
    expect(await app.db.sql.query(`SELECT count(*)::int AS n FROM "RunEvent" WHERE "runId" = $1`, [empty])).toEqual([{ n: 0 }]);
    expect(await app.db.sql.query(`SELECT count(*)::int AS n FROM "RunStep" WHERE "runId" = $1`, [empty])).toEqual([{ n: 0 }]);
  });
});
