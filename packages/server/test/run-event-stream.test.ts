import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStrataPubSub } from "../src/pubsub/pubsub.js";
import { reportRunEvents } from "../src/runs/report.js";
import { manifestOf, REGISTER } from "../src/testing/manifests.js";
import { createTestApp, type TestApp, type TestSubscription } from "../src/testing/test-app.js";
import { testDialect } from "../src/testing/test-database.js";
import { runStartPayload } from "../src/testing/events.js";

let app: TestApp;
let worker: string;
let reader: string;
/** The statements the GraphQL app has run (tests clear it). */
const statements: string[] = [];
beforeAll(async () => {
  app = await createTestApp({ runs: { maxConcurrentRuns: 0 }, tap: { before: (text) => statements.push(text) } });
  worker = await app.token("location:etl");
  reader = await app.token("read");
  await app.gql(REGISTER, { name: "etl", ...manifestOf([{ key: "a" }]) }, worker);
});
afterAll(() => app.close());

const LAUNCH = `mutation { launchRun(assetKeys: ["a"]) { ... on Run { id } } }`;
const CLAIM = `mutation { claimRun(location: "etl", workerId: "w") { ... on ClaimRunResult { run { id } } } }`;
const REPORT = `mutation($id: ID!, $e: [RunEventInput!]!) { reportRunEvents(runId: $id, workerId: "w", events: $e) { __typename ... on Error { message } } }`;
const EVENTS = `subscription($id: ID!) { runEvents(runId: $id) { seq type } }`;

let clock = Date.now();
const ev = (seq: number, type: string, extra: Record<string, unknown> = {}) => ({ seq, type, timestamp: clock++, payload: {}, ...extra });
const runEvents = (runId: string) => [
  ev(1, "RUN_START", {
    payload: runStartPayload({ id: runId, stepKeys: ["a"], assetKeys: ["a"] }),
  }),
  ev(2, "STEP_START", { stepKey: "a", payload: { retryNumber: 0 } }),
  ev(3, "STEP_SUCCESS", { stepKey: "a", payload: { durationMs: 1, retryNumber: 0 } }),
  ev(4, "RUN_SUCCESS", { payload: { durationMs: 3 } }),
];

/** Every seq the stream delivers until it ends; a stream that never ends fails the test. */
async function collect(subscription: TestSubscription<{ runEvents: { seq: number; type: string } }>): Promise<number[]> {
  const seqs: number[] = [];
  for (;;) {
    const result = await subscription.next(60_000);
    if (result.errors) throw new Error(JSON.stringify(result.errors));
    seqs.push(result.data!.runEvents.seq);
    if (result.data!.runEvents.type === "RUN_SUCCESS") return seqs;
  }
}

describe(`runEvents racing the reports (${testDialect})`, () => {
  it("delivers every event of a run to subscribers that open while it reports, then ends", async () => {
    const runs = 12;
    const subscribersPerRun = 16;
    const ids: string[] = [];
    for (let i = 0; i < runs; i++) {
      const id = (await app.gql(LAUNCH)).data!.launchRun.id as string;
      expect((await app.gql(CLAIM, {}, worker)).data!.claimRun.run.id).toBe(id);
      ids.push(id);
    }
    const streams = ids.map(async (id) => {
      const events = runEvents(id);
      const runReader = await app.token("read");
      for (const event of events.slice(0, -1)) {
        expect((await app.gql(REPORT, { id, e: [event] }, worker)).data!.reportRunEvents.__typename).toBe("RunReport");
      }
      // Subscribers open while the run's last event is being stored: some read the backlog
      // just before it commits and start listening just after it was published.
      const subscribers = Array.from({ length: subscribersPerRun }, async () => {
        const subscription = await app.subscribe(EVENTS, { id }, runReader);
        try {
          return await collect(subscription);
        } finally {
          subscription.close();
        }
      });
      const reports = (async () => {
        for (let i = 0; i < subscribersPerRun / 2; i++) await app.db.sql.query("SELECT 1");
        expect((await app.gql(REPORT, { id, e: [events.at(-1)] }, worker)).data!.reportRunEvents.__typename).toBe("RunReport");
      })();
      await reports;
      return Promise.all(subscribers);
    });
    for (const seqs of (await Promise.all(streams)).flat()) expect(seqs).toEqual([1, 2, 3, 4]);
  });

  it("delivers the last event to a subscriber still sending the stored ones when it is reported", async () => {
    const id = (await app.gql(LAUNCH)).data!.launchRun.id as string;
    expect((await app.gql(CLAIM, {}, worker)).data!.claimRun.run.id).toBe(id);
    const [start, , , end] = runEvents(id);
    // More than one page of backlog (1,000 events): the subscriber has read its last page and is
    // still sending it when the run's last event is stored and published.
    const logs = Array.from({ length: 1499 }, (_, i) => ev(i + 2, "LOG", { message: `line ${i}` }));
    expect((await app.gql(REPORT, { id, e: [start, ...logs] }, worker)).data!.reportRunEvents.__typename).toBe("RunReport");
    const subscription = await app.subscribe<{ runEvents: { seq: number; type: string } }>(EVENTS, { id }, reader);
    const seqs: number[] = [];
    while (seqs.length < 1200) seqs.push((await subscription.next(60_000)).data!.runEvents.seq);
    expect((await app.gql(REPORT, { id, e: [{ ...end!, seq: 1501 }] }, worker)).data!.reportRunEvents.__typename).toBe("RunReport");
    seqs.push(...(await collect(subscription)));
    subscription.close();
    expect(seqs).toEqual(Array.from({ length: 1501 }, (_, i) => i + 1));
  });

  it("delivers events whose first report was stored but never published, when the worker resends them", async () => {
    const id = (await app.gql(LAUNCH)).data!.launchRun.id as string;
    expect((await app.gql(CLAIM, {}, worker)).data!.claimRun.run.id).toBe(id);
    const [start, stepStart, stepSuccess, end] = runEvents(id);
    expect((await app.gql(REPORT, { id, e: [start] }, worker)).data!.reportRunEvents.__typename).toBe("RunReport");
    const subscription = await app.subscribe<{ runEvents: { seq: number; type: string } }>(EVENTS, { id }, reader);
    expect((await subscription.next(60_000)).data!.runEvents.seq).toBe(1);
    // Stored by a server whose answer and publication were lost (it died, or its connection
    // dropped during COMMIT): here, a server process with its own pub/sub.
    const elsewhere = await createStrataPubSub();
    await reportRunEvents(app.db.sql, elsewhere.pubsub, {
      runId: id,
      workerId: "w",
      events: [stepStart, stepSuccess, end],
      leaseSeconds: 30,
    });
    await elsewhere.close();
    // The worker never heard back, so it resends.
    expect((await app.gql(REPORT, { id, e: [stepStart, stepSuccess, end] }, worker)).data!.reportRunEvents.__typename).toBe("RunReport");
    expect(await collect(subscription)).toEqual([2, 3, 4]);
    subscription.close();
  });

  it("finds events whose publication was lost even without a resend, by looking in the database", async () => {
    const id = (await app.gql(LAUNCH)).data!.launchRun.id as string;
    expect((await app.gql(CLAIM, {}, worker)).data!.claimRun.run.id).toBe(id);
    const [start, ...rest] = runEvents(id);
    expect((await app.gql(REPORT, { id, e: [start] }, worker)).data!.reportRunEvents.__typename).toBe("RunReport");
    const subscription = await app.subscribe<{ runEvents: { seq: number; type: string } }>(EVENTS, { id }, reader);
    expect((await subscription.next(60_000)).data!.runEvents.seq).toBe(1);
    // Published where this server never hears it (a Redis message lost while reconnecting).
    const elsewhere = await createStrataPubSub();
    await reportRunEvents(app.db.sql, elsewhere.pubsub, { runId: id, workerId: "w", events: rest, leaseSeconds: 30 });
    await elsewhere.close();
    expect(await collect(subscription)).toEqual([2, 3, 4]); // within RESYNC_MS
    subscription.close();
  });
});

const EVENTS_AFTER = `subscription($id: ID!, $after: Int!) { runEvents(runId: $id, after: $after) { seq type } }`;

/** A claimed run (its RUN_START published here) whose other `events` were stored and published by another server. */
async function reportedElsewhere(events: (id: string) => ReturnType<typeof runEvents>): Promise<string> {
  const id = (await app.gql(LAUNCH)).data!.launchRun.id as string;
  expect((await app.gql(CLAIM, {}, worker)).data!.claimRun.run.id).toBe(id);
  const elsewhere = await createStrataPubSub();
  await reportRunEvents(app.db.sql, elsewhere.pubsub, { runId: id, workerId: "w", events: events(id), leaseSeconds: 30 });
  await elsewhere.close();
  return id;
}

describe(`opening a runEvents stream (${testDialect})`, () => {
  it("reads the run and the first page of its backlog in one statement", async () => {
    const id = await reportedElsewhere((id) => runEvents(id).slice(1, 3));
    await app.gql(`{ health { version } }`, {}, reader); // the reader's token checked before, as a watcher's is
    statements.length = 0;
    const subscription = await app.subscribe<{ runEvents: { seq: number; type: string } }>(EVENTS_AFTER, { id, after: 1 }, reader);
    expect((await subscription.next()).data!.runEvents).toEqual({ seq: 2, type: "STEP_START" });
    expect((await subscription.next()).data!.runEvents).toEqual({ seq: 3, type: "STEP_SUCCESS" });
    expect(statements.filter((text) => text.includes(`"Run`))).toHaveLength(1);
    subscription.close();
  });

  // A client launching a run and watching it at once: its RUN_START, published by this server
  // as the run was claimed, goes out before the stream reads the database (on PostgreSQL with a
  // separate location process, that read was 2-5 ms of the ~13 ms from launch to RUN_START).
  it.runIf(testDialect === "postgres")("streams the events this server just published before it reads the database", async () => {
    const id = (await app.gql(LAUNCH)).data!.launchRun.id as string;
    expect((await app.gql(CLAIM, {}, worker)).data!.claimRun.run.id).toBe(id);
    await app.gql(`{ health { version } }`, {}, reader);
    let release!: () => void;
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const holding = app.db.sql.transaction(async (other) => {
      // Every read of the runs' logs waits while this is held.
      await other.query(`LOCK TABLE "RunEvent" IN ACCESS EXCLUSIVE MODE`);
      locked();
      await new Promise<void>((resolve) => (release = resolve));
    });
    await isLocked;
    let subscription: TestSubscription<{ runEvents: { seq: number; type: string } }>;
    try {
      // Opening the stream must not wait for the lock either (it would until released, below).
      let timer: NodeJS.Timeout | undefined;
      subscription = await Promise.race([
        app.subscribe<{ runEvents: { seq: number; type: string } }>(EVENTS, { id }, reader),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error("opening the stream waited for the database")), 10_000);
        }),
      ]).finally(() => clearTimeout(timer));
      expect((await subscription.next(10_000)).data!.runEvents).toEqual({ seq: 1, type: "RUN_START" });
    } finally {
      release();
      await holding;
    }
    const [, ...rest] = runEvents(id);
    expect((await app.gql(REPORT, { id, e: rest }, worker)).data!.reportRunEvents.__typename).toBe("RunReport");
    expect(await collect(subscription)).toEqual([2, 3, 4]);
    subscription.close();
  });

  it("after the events this server published, reads at once those another server stored, then ends", async () => {
    const id = await reportedElsewhere((id) => runEvents(id).slice(1));
    const subscription = await app.subscribe<{ runEvents: { seq: number; type: string } }>(EVENTS, { id }, reader);
    const seqs: number[] = [];
    // Well within RESYNC_MS: the stream reads the database right after what it had from memory,
    // it does not wait for a live event that will never come.
    const started = Date.now();
    while (seqs.at(-1) !== 4) seqs.push((await subscription.next(5_000)).data!.runEvents.seq);
    expect(seqs).toEqual([1, 2, 3, 4]);
    expect(Date.now() - started).toBeLessThan(5_000);
    subscription.close();
  });

  it("refuses a run that does not exist with NOT_FOUND, before streaming anything", async () => {
    const subscription = await app.subscribe(EVENTS, { id: "00000000-0000-4000-8000-000000000000" }, reader);
    const result = await subscription.next();
    expect(result.errors?.[0]).toMatchObject({ extensions: { code: "NOT_FOUND" } });
    expect(result.data ?? null).toBeNull();
    subscription.close();
  });
});
