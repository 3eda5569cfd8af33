import { runEventPayloadSchemas } from "@strata/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { manifestOf, REGISTER } from "../src/testing/manifests.js";
import { createTestApp, type TestApp } from "../src/testing/test-app.js";
import { testDialect } from "../src/testing/test-database.js";
import { runStartPayload } from "../src/testing/events.js";
import { appendServerEvent } from "../src/runs/run-events.js";
import { AHEAD_MIN_EVENTS } from "../src/runs/report.js";
import type { Sql } from "../src/db/sql.js";

let app: TestApp;
let etl: string;
beforeAll(async () => {
  app = await createTestApp({ runs: { maxConcurrentRuns: 0 } });
  etl = await app.token("location:etl");
  const other = await app.token("location:other");
  await app.gql(REGISTER, { name: "etl", ...manifestOf([{ key: "a" }, { key: "b", deps: ["a"] }]) }, etl);
  await app.gql(REGISTER, { name: "other", ...manifestOf([{ key: "theirs" }]) }, other);
});
afterAll(() => app.close());

const LAUNCH = `mutation($keys: [String!]!) { launchRun(assetKeys: $keys) { ... on Run { id } } }`;
const REFUSAL = `__typename ... on Error { message code } ... on InvalidArgumentError { argument }`;
const CLAIM = `mutation($lease: Int) { claimRun(location: "etl", workerId: "w", leaseSeconds: $lease) { ${REFUSAL} ... on ClaimRunResult { run { id } } } }`;
const REPORT = `mutation($id: ID!, $e: [RunEventInput!]!, $lease: Int) {
  reportRunEvents(runId: $id, workerId: "w", events: $e, leaseSeconds: $lease) {
    __typename
    ... on RunReport { lastSeq status }
    ... on Error { message code }
    ... on RunEventSequenceError { expectedSeq }
    ... on InvalidArgumentError { argument }
    ... on EventOutsidePlanError { seq }
  }
}`;
const HEARTBEAT = `mutation($id: ID!, $lease: Int) { heartbeatRun(runId: $id, workerId: "w", leaseSeconds: $lease) { ${REFUSAL} } }`;
const EVENTS = `query($id: ID!) { run(id: $id) { ... on Run { status events { seq type } materializations: steps { stepKey status } } } }`;

let clock = Date.now();
const ev = (seq: number, type: string, extra: Record<string, unknown> = {}) => ({ seq, type, timestamp: clock++, payload: {}, ...extra });
const start = (runId: string) =>
  ev(1, "RUN_START", {
    payload: runStartPayload({ id: runId, stepKeys: ["a"], assetKeys: ["a"] }),
  });
const materialization = (seq: number, assetKey: string, stepKey = "a") =>
  ev(seq, "ASSET_MATERIALIZATION", { stepKey, assetKey, payload: { assetKey, outputName: "result", metadata: {}, dataVersion: null } });

/** A claimed run of asset `a` only (step `a`). */
async function heldRun(): Promise<string> {
  const id = (await app.gql(LAUNCH, { keys: ["a"] })).data!.launchRun.id as string;
  expect((await app.gql(CLAIM, {}, etl)).data!.claimRun.run.id).toBe(id);
  return id;
}
const report = async (id: string, events: unknown[], lease?: number) =>
  (await app.gql(REPORT, { id, e: events, lease }, etl)).data!.reportRunEvents;
const storedSeqs = async (id: string) => ((await app.gql(EVENTS, { id })).data!.run.events as { seq: number }[]).map((e) => e.seq);
const materializationsOf = async (id: string) =>
  (await app.db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "Materialization" WHERE "runId" = $1`, [id]))[0]!.n;
/** A report large enough to go in ahead of the run's lock (AHEAD_MIN_EVENTS): a materialization of `a` at seq 2, then logs. */
const largeReport = () => [
  materialization(2, "a"),
  ...Array.from({ length: AHEAD_MIN_EVENTS }, (_, i) => ev(3 + i, "LOG", { message: `log ${i}` })),
];
const LARGE_REPORT_LAST = 2 + AHEAD_MIN_EVENTS;
/** The run's log holds RUN_START and largeReport's events once each, and one materialization. */
async function expectLargeReportStoredOnce(id: string) {
  expect(await storedSeqs(id)).toEqual(Array.from({ length: LARGE_REPORT_LAST }, (_, i) => i + 1));
  expect(await materializationsOf(id)).toBe(1);
}

/**
 * A transaction of its own on a run (another report's, the monitor's): `taken` once `take` ran,
 * then it waits for `release`, runs `then` and commits (`done`).
 */
function holdRun(take: (tx: Sql) => Promise<unknown>, then: (tx: Sql) => Promise<unknown> = async () => {}) {
  let release!: () => void;
  const go = new Promise<void>((resolve) => (release = resolve));
  let taken!: () => void;
  const took = new Promise<void>((resolve) => (taken = resolve));
  const done = app.db.sql.transaction(async (tx) => {
    await take(tx);
    taken();
    await go;
    await then(tx);
  });
  return { taken: took, release, done };
}

describe(`event sequence numbers (${testDialect})`, () => {
  it("stores RUN_START with the claim, and refuses a first report that does not follow it, naming the seq expected", async () => {
    const id = await heldRun();
    const stored = (await app.gql(`query($id: ID!) { run(id: $id) { ... on Run { lastEventSeq events { seq type payload } } } }`, { id }))
      .data!.run;
    expect(stored).toEqual({ lastEventSeq: 1, events: [{ seq: 1, type: "RUN_START", payload: start(id).payload }] });
    // The claim writes RUN_START's payload in SQL: it must keep to the protocol's schema, as the executor's does.
    expect(runEventPayloadSchemas.RUN_START.strict().safeParse(stored.events[0].payload).success).toBe(true);
    expect(await report(id, [ev(5, "LOG")])).toMatchObject({
      __typename: "RunEventSequenceError",
      code: "EVENT_OUT_OF_SEQUENCE",
      expectedSeq: 2,
    });
    expect(await storedSeqs(id)).toEqual([1]);
  });

  it("refuses a gap inside a report or after the stored events, and a final event out of order", async () => {
    const id = await heldRun();
    expect(await report(id, [ev(3, "RUN_SUCCESS", { payload: { durationMs: 1 } })])).toMatchObject({
      __typename: "RunEventSequenceError",
      expectedSeq: 2,
    });
    expect(await report(id, [start(id), ev(3, "LOG")])).toMatchObject({ __typename: "RunEventSequenceError", expectedSeq: 2 });
    expect(await storedSeqs(id)).toEqual([1]);
    expect(await report(id, [start(id), ev(2, "LOG")])).toMatchObject({ __typename: "RunReport", lastSeq: 2 });
    expect(await report(id, [ev(4, "RUN_SUCCESS", { payload: { durationMs: 1 } })])).toMatchObject({
      __typename: "RunEventSequenceError",
      expectedSeq: 3,
    });
    expect(await storedSeqs(id)).toEqual([1, 2]);
    expect((await app.gql(EVENTS, { id })).data!.run.status).toBe("STARTED");
  });

  it("refuses events after the run's final event in the same report", async () => {
    const id = await heldRun();
    expect(await report(id, [start(id), ev(2, "RUN_SUCCESS", { payload: { durationMs: 1 } }), ev(3, "LOG")])).toMatchObject({
      __typename: "RunEventSequenceError",
    });
    expect(await storedSeqs(id)).toEqual([1]);
  });

  it("still takes a resend of stored events, alone or followed by new ones", async () => {
    const id = await heldRun();
    const first = [start(id), ev(2, "LOG")];
    expect(await report(id, first)).toMatchObject({ __typename: "RunReport", lastSeq: 2 });
    expect(await report(id, first)).toMatchObject({ __typename: "RunReport", lastSeq: 2 });
    expect(await report(id, [...first, ev(3, "RUN_SUCCESS", { payload: { durationMs: 1 } })])).toMatchObject({
      __typename: "RunReport",
      lastSeq: 3,
      status: "SUCCESS",
    });
    // After the run ended, the worker's resend of everything is still harmless.
    expect(await report(id, [...first, ev(3, "RUN_SUCCESS", { payload: { durationMs: 1 } })])).toMatchObject({
      __typename: "RunReport",
      lastSeq: 3,
    });
    expect(await storedSeqs(id)).toEqual([1, 2, 3]);
  });

  it("stores a report sent three times at once exactly once: the others, behind the first, find it stored", async () => {
    const id = await heldRun();
    // Large enough to go in ahead of the lock: the copies collide on their seqs.
    const events = [start(id), ...largeReport()];
    const answers = await Promise.all([report(id, events), report(id, events), report(id, events.slice(1))]);
    for (const answer of answers) expect(answer).toMatchObject({ __typename: "RunReport", lastSeq: LARGE_REPORT_LAST });
    await expectLargeReportStoredOnce(id);
  });

  // A report's events go in before it locks its run (runs/report.ts, `ahead`); these are the ways
  // that can go wrong when another transaction holds the run, which only PostgreSQL has.
  it.runIf(testDialect === "postgres")(
    "stores a report once that waited for the run's lock longer than an early insert may: stored again lock first",
    async () => {
      const id = await heldRun();
      const holder = holdRun((tx) => tx.query(`SELECT 1 FROM "Run" WHERE id = $1 FOR UPDATE`, [id]));
      await holder.taken;
      // Not resending RUN_START (seq 1, stored with the claim): that would fail the early insert at once.
      const answer = report(id, largeReport());
      // Longer than the early insert's lock wait (AHEAD_LOCK_TIMEOUT_MS, 500 ms).
      await new Promise((resolve) => setTimeout(resolve, 900));
      holder.release();
      await holder.done;
      expect(await answer).toMatchObject({ __typename: "RunReport", lastSeq: LARGE_REPORT_LAST });
      await expectLargeReportStoredOnce(id);
    },
  );

  it.runIf(testDialect === "postgres")(
    "lets the server end a run whose worker is reporting: no deadlock between the event it writes and the report's early insert",
    async () => {
      const id = await heldRun();
      expect(await report(id, [start(id), ev(2, "LOG")])).toMatchObject({ __typename: "RunReport", lastSeq: 2 });
      // As the monitor fails a run: the run's row first, then its next event (seq 3), which the
      // report below also inserts early, before it waits for the row.
      const monitor = holdRun(
        (tx) => tx.query(`UPDATE "Run" SET status = 'FAILURE', "workerId" = NULL WHERE id = $1`, [id]),
        (tx) =>
          appendServerEvent(tx, id, {
            type: "RUN_FAILURE",
            message: "lease expired",
            payload: {
              durationMs: 1,
              failedSteps: [],
              skippedSteps: [],
              error: { name: "RunMonitorError", message: "lease expired", stack: null, cause: null },
              reason: "WORKER_LOST",
              failedChecks: [],
            },
          }),
      );
      await monitor.taken;
      const answer = report(
        id,
        Array.from({ length: AHEAD_MIN_EVENTS }, (_, i) => ev(3 + i, "LOG")),
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      monitor.release();
      await monitor.done;
      expect(await answer).toMatchObject({ __typename: "RunNotHeldError", code: "RUN_NOT_HELD" });
      const events = (await app.gql(EVENTS, { id })).data!.run.events as { seq: number; type: string }[];
      expect(events.map((e) => [e.seq, e.type])).toEqual([
        [1, "RUN_START"],
        [2, "LOG"],
        [3, "RUN_FAILURE"],
      ]);
    },
  );

  it("stores a materialization once when a report resends it with a new one (shaped before the run's lock, kept only if fresh)", async () => {
    const id = await heldRun();
    const materializationsOfA = async () =>
      (
        await app.db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "Materialization" WHERE "runId" = $1 AND "assetKey" = 'a'`, [
          id,
        ])
      )[0]!.n;
    expect(await report(id, [start(id), materialization(2, "a")])).toMatchObject({ __typename: "RunReport", lastSeq: 2 });
    expect(await materializationsOfA()).toBe(1);
    // Seq 2 again beside a new seq 3: two materializations in the report, one of them fresh.
    expect(await report(id, [materialization(2, "a"), materialization(3, "a")])).toMatchObject({ __typename: "RunReport", lastSeq: 3 });
    expect(await materializationsOfA()).toBe(2);
    // A fresh one naming a malformed key: refused with the report, and nothing stored.
    expect(await report(id, [materialization(4, "a//b")])).toMatchObject({ __typename: "InvalidArgumentError", argument: "events.0" });
    expect(await materializationsOfA()).toBe(2);
    expect(await storedSeqs(id)).toEqual([1, 2, 3]);
  });
});

const BATCH = `mutation($id: ID!, $b: RunEventBatch, $e: [RunEventInput!]) {
  reportRunEvents(runId: $id, workerId: "w", batch: $b, events: $e) {
    __typename
    ... on RunReport { lastSeq status }
    ... on Error { message code }
    ... on InvalidArgumentError { argument }
  }
}`;

describe(`a report as one JSON array, RunEventBatch (${testDialect})`, () => {
  it("stores the same events as the input-object form, under the same rules", async () => {
    const id = await heldRun();
    const log = ev(2, "LOG", { message: "from a batch", level: "warn" });
    expect((await app.gql(BATCH, { id, b: [start(id), log] }, etl)).data!.reportRunEvents).toEqual({
      __typename: "RunReport",
      lastSeq: 2,
      status: "STARTED",
    });
    const stored = (await app.gql(`query($id: ID!) { run(id: $id) { ... on Run { events { seq type level message } } } }`, { id })).data!
      .run.events;
    expect(stored).toEqual([
      { seq: 1, type: "RUN_START", level: "INFO", message: expect.any(String) },
      { seq: 2, type: "LOG", level: "WARN", message: "from a batch" },
    ]);
    // The rules of `events`, and of RunEventInput's fields: an unknown field, a seq past Int.
    const unknownField = (await app.gql(BATCH, { id, b: [{ ...ev(3, "LOG"), colour: "red" }] }, etl)).data!.reportRunEvents;
    expect(unknownField).toMatchObject({ __typename: "InvalidArgumentError", argument: "events.0" });
    expect(unknownField.message).toMatch(/colour/);
    const hugeSeq = (await app.gql(BATCH, { id, b: [ev(2 ** 31, "LOG")] }, etl)).data!.reportRunEvents;
    expect(hugeSeq).toMatchObject({ __typename: "InvalidArgumentError", argument: "events.0" });
    expect(await storedSeqs(id)).toEqual([1, 2]);
  });

  it("takes events or batch, exactly one, and refuses a batch that is not an array", async () => {
    const id = await heldRun();
    const both = (await app.gql(BATCH, { id, b: [ev(2, "LOG")], e: [ev(2, "LOG")] }, etl)).data!.reportRunEvents;
    expect(both).toMatchObject({ __typename: "InvalidArgumentError", argument: "batch", message: expect.stringMatching(/not both/) });
    const neither = (await app.gql(BATCH, { id }, etl)).data!.reportRunEvents;
    expect(neither).toMatchObject({ __typename: "InvalidArgumentError", argument: "events" });
    const notArray = await app.gql(BATCH, { id, b: { seq: 2 } }, etl);
    expect(notArray.errors?.[0]?.message).toMatch(/RunEventBatch must be a JSON array/);
    expect(await storedSeqs(id)).toEqual([1]);
  });
});

describe(`events must fit the run's plan (${testDialect})`, () => {
  it("refuses a materialization of another location's asset, or of a key no location defines", async () => {
    const id = await heldRun();
    expect(await report(id, [start(id), ev(2, "STEP_START", { stepKey: "a", payload: { retryNumber: 0 } })])).toMatchObject({
      __typename: "RunReport",
    });
    for (const key of ["theirs", "nobody/defines/this"]) {
      const refused = await report(id, [materialization(3, key)]);
      expect(refused).toMatchObject({ __typename: "EventOutsidePlanError", code: "EVENT_OUTSIDE_PLAN", seq: 3 });
      expect(refused.message).toContain(`"${key}"`);
    }
    const theirs = await app.gql(`{ asset(key: "theirs") { ... on Asset { latestMaterialization { id } } } }`);
    expect(theirs.data!.asset.latestMaterialization).toBeNull();
    expect(await storedSeqs(id)).toEqual([1, 2]);
  });

  it("refuses a step outside the plan, and an asset of the location the run does not materialize", async () => {
    const id = await heldRun();
    expect(await report(id, [start(id), ev(2, "STEP_START", { stepKey: "b", payload: { retryNumber: 0 } })])).toMatchObject({
      __typename: "EventOutsidePlanError",
      seq: 2,
    });
    expect(await report(id, [start(id), materialization(2, "b")])).toMatchObject({ __typename: "EventOutsidePlanError", seq: 2 });
    expect(
      await report(id, [start(id), ev(2, "STEP_START", { stepKey: "a", payload: { retryNumber: 0 } }), materialization(3, "a")]),
    ).toMatchObject({
      __typename: "RunReport",
      lastSeq: 3,
    });
  });
});

describe(`lease lengths (${testDialect})`, () => {
  it("bounds leaseSeconds to 1-3600 for claims, heartbeats and reports alike, with one error", async () => {
    const id = await heldRun();
    for (const lease of [-5, 0, 3601, 2 ** 31 - 1]) {
      const claim = (await app.gql(CLAIM, { lease }, etl)).data!.claimRun;
      const heartbeat = (await app.gql(HEARTBEAT, { id, lease }, etl)).data!.heartbeatRun;
      const reported = (await app.gql(REPORT, { id, e: [start(id)], lease }, etl)).data!.reportRunEvents;
      for (const answer of [claim, heartbeat, reported]) {
        expect(answer).toEqual({
          __typename: "InvalidArgumentError",
          message: "leaseSeconds: must be from 1 to 3600",
          code: "BAD_USER_INPUT",
          argument: "leaseSeconds",
        });
      }
    }
    expect(await storedSeqs(id)).toEqual([1]);
    expect((await app.gql(HEARTBEAT, { id, lease: 3600 }, etl)).data!.heartbeatRun.__typename).toBe("RunReport");
  });
});
