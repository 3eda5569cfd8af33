import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createToken, revokeToken } from "../src/auth/tokens.js";
import { launchRun } from "../src/runs/launch.js";
import { manifestOf, REGISTER } from "../src/testing/manifests.js";
import { createTestApp, type TestApp } from "../src/testing/test-app.js";
import { testDialect } from "../src/testing/test-database.js";
import { runStartPayload } from "../src/testing/events.js";

const LAUNCH = `mutation($keys: [String!]!) { launchRun(assetKeys: $keys) { __typename ... on Run { id status } ... on Error { message } } }`;
const LONG_POLL = `mutation($l: String!, $w: String!, $s: Int) { claimRun(location: $l, workerId: $w, waitSeconds: $s) {
  __typename ... on ClaimRunResult { run { id stepKeys assetKeys leaseExpiresAt parentRunId strategy } } ... on Error { message } } }`;
const CLAIM = `mutation($w: String!) { claimRun(location: "etl", workerId: $w) { ... on ClaimRunResult { run { id } } } }`;
const REPORT = `mutation($id: ID!, $w: String!, $events: [RunEventInput!]!) { reportRunEvents(runId: $id, workerId: $w, events: $events) {
  __typename ... on RunReport { lastSeq status } ... on Error { message } } }`;

/** The app's claim statements (CLAIM_RUN, claim.ts), counted as the GraphQL app issues them. */
let claimStatements = 0;
/** Aborted as a launch's statement is issued, when armed. */
let hangUpAtLaunch: AbortController | null = null;
let app: TestApp;
let worker: string;

beforeAll(async () => {
  app = await createTestApp({
    runs: { maxConcurrentRuns: 0, leaseSeconds: 30 },
    tap: {
      before: (text) => {
        if (text.includes("FOR UPDATE OF q SKIP LOCKED")) claimStatements++;
        if (text.includes(`INSERT INTO "Run"`)) hangUpAtLaunch?.abort();
      },
    },
  });
  worker = await app.token("location:etl");
  await app.gql(REGISTER, { name: "etl", ...manifestOf([{ key: "raw" }, { key: "clean", deps: ["raw"] }]) });
  await app.gql(REGISTER, { name: "other", ...manifestOf([{ key: "elsewhere" }]) });
});
afterAll(() => app.close());

const launch = async (keys: string[]) => (await app.gql(LAUNCH, { keys })).data!.launchRun as { id: string; status: string };
const longPoll = (workerId: string, { location = "etl", seconds = 10, token = worker }: LongPollOptions = {}) =>
  app.gql(LONG_POLL, { l: location, w: workerId, s: seconds }, token);
/** A long poll whose worker hangs up when `signal` aborts: resolves once the request has ended. */
const hangingPoll = (workerId: string, signal: AbortSignal) =>
  Promise.resolve(
    app.yoga.fetch("http://strata.test/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${worker}` },
      body: JSON.stringify({ query: LONG_POLL, variables: { l: "etl", w: workerId, s: 10 } }),
      signal,
    }),
  )
    .then((response) => response.text())
    .catch(() => undefined);
interface LongPollOptions {
  location?: string;
  seconds?: number;
  token?: string;
}
/** Resolves once `n` workers of `location` wait on the app's claim desk. */
const waiting = (n: number, location = "etl") => expect.poll(() => app.runs.claims.size(location), { timeout: 5_000 }).toBe(n);
const drain = async () => {
  while ((await app.gql(CLAIM, { w: "drain" }, worker)).data!.claimRun.run);
};
const events = (runId: string) =>
  app.db.prisma.runEvent.findMany({ where: { runId }, select: { seq: true, type: true }, orderBy: { seq: "asc" } });

describe(`a launch hands its run to a worker waiting for one (${testDialect})`, () => {
  it("stores it claimed by that worker, with its RUN_START, in the launch's own statement: no claim statement follows", async () => {
    await drain();
    const statuses = await app.subscribe(`subscription { runStatusChanged { runId status } }`);
    const answer = longPoll("poller");
    await waiting(1);
    const claimsBefore = claimStatements;
    const launched = await launch(["raw", "clean"]);
    expect(launched.status).toBe("STARTED");
    const claimed = (await answer).data!.claimRun.run;
    expect(claimed.id).toBe(launched.id);
    expect([...claimed.stepKeys].sort()).toEqual(["clean", "raw"]);
    expect([...claimed.assetKeys].sort()).toEqual(["clean", "raw"]);
    expect(new Date(claimed.leaseExpiresAt).getTime() - Date.now()).toBeGreaterThan(20_000);
    expect(claimStatements).toBe(claimsBefore);
    expect(app.runs.claims.size()).toBe(0);
    expect(await app.db.prisma.run.findUniqueOrThrow({ where: { id: launched.id } })).toMatchObject({
      status: "STARTED",
      workerId: "poller",
      lastEventSeq: 1,
    });
    expect(await events(launched.id)).toEqual([{ seq: 1, type: "RUN_START" }]);
    // Watchers see the status it passed through, then its start.
    const seen: string[] = [];
    while (seen.length < 2) {
      const change = (await statuses.next()).data!.runStatusChanged;
      if (change.runId === launched.id) seen.push(change.status);
    }
    expect(seen).toEqual(["STARTING", "STARTED"]);
    statuses.close();
    // The worker runs it as any claimed run: its own RUN_START is the resend a report ignores.
    const done = await app.gql(
      REPORT,
      {
        id: launched.id,
        w: "poller",
        events: [
          {
            seq: 1,
            type: "RUN_START",
            timestamp: Date.now(),
            payload: runStartPayload({ id: launched.id, stepKeys: claimed.stepKeys, assetKeys: claimed.assetKeys }),
          },
          { seq: 2, type: "RUN_SUCCESS", timestamp: Date.now(), payload: { durationMs: 1 } },
        ],
      },
      worker,
    );
    expect(done.data!.reportRunEvents).toMatchObject({ lastSeq: 2, status: "SUCCESS" });

    // Its re-execution is handed over the same way, as a child of it.
    const again = longPoll("poller");
    await waiting(1);
    const claimsThen = claimStatements;
    const child = (
      await app.gql(
        `mutation($id: ID!) { reexecuteRun(runId: $id, strategy: ALL_STEPS) { __typename ... on Run { id status } ... on Error { message } } }`,
        { id: launched.id },
      )
    ).data!.reexecuteRun;
    expect(child.status).toBe("STARTED");
    expect((await again).data!.claimRun.run).toMatchObject({ id: child.id, parentRunId: launched.id, strategy: "ALL_STEPS" });
    expect(claimStatements).toBe(claimsThen);
    const [start] = await app.db.prisma.runEvent.findMany({ where: { runId: child.id } });
    expect(start).toMatchObject({ seq: 1, type: "RUN_START", payload: { parentRunId: launched.id, strategy: "ALL_STEPS" } });
  });

  it("keeps the claim order: with another run STARTING, the launch stores its run STARTING and the worker claims the earlier one", async () => {
    await drain();
    const answer = longPoll("poller");
    await waiting(1);
    // A run STARTING that no worker heard of yet (launched without the app's announcement).
    const earlier = await launchRun(app.db.sql, app.runs.manifests, { assetKeys: ["raw"], createdBy: "test" }, 0);
    expect(earlier.status).toBe("STARTING");
    const launched = await launch(["clean"]);
    expect(launched.status).toBe("STARTING");
    expect((await answer).data!.claimRun.run.id).toBe(earlier.id);
    expect((await app.db.prisma.run.findUniqueOrThrow({ where: { id: launched.id } })).status).toBe("STARTING");
    expect(await events(launched.id)).toEqual([]);
  });

  it("hands nothing to a worker of another location, nor to one whose token was revoked while it waited", async () => {
    await drain();
    const otherWorker = await app.token("location:other");
    const elsewhere = longPoll("other-poller", { location: "other", seconds: 1, token: otherWorker });
    const { token: revocable } = await createToken(app.db.prisma, { name: "revoked-while-waiting", scopes: ["location:etl"] });
    const revoked = longPoll("revoked-poller", { token: revocable });
    await waiting(1, "other");
    await waiting(1, "etl");
    await revokeToken(app.db.prisma, "revoked-while-waiting");
    const launched = await launch(["raw"]);
    expect(launched.status).toBe("STARTING");
    // Woken by the run's announcement, the revoked worker's poll ends refused, without the run.
    const refused = await revoked;
    expect(refused.errors?.[0]?.message).toMatch(/revoked/);
    expect((await elsewhere).data!.claimRun.run).toBeNull();
    expect(await app.db.prisma.run.findUniqueOrThrow({ where: { id: launched.id } })).toMatchObject({
      status: "STARTING",
      workerId: null,
    });
    expect((await app.gql(CLAIM, { w: "next" }, worker)).data!.claimRun.run.id).toBe(launched.id);
  });

  it("takes the run back when the worker hung up while it was handed over: STARTING again, without its RUN_START", async () => {
    await drain();
    const hangUp = new AbortController();
    const answer = hangingPoll("gone", hangUp.signal);
    await waiting(1);
    hangUpAtLaunch = hangUp;
    const launched = await launch(["raw"]).finally(() => (hangUpAtLaunch = null));
    await answer;
    expect(hangUp.signal.aborted).toBe(true);
    await expect
      .poll(async () => (await app.db.prisma.run.findUniqueOrThrow({ where: { id: launched.id } })).status, { timeout: 5_000 })
      .toBe("STARTING");
    expect(await app.db.prisma.run.findUniqueOrThrow({ where: { id: launched.id } })).toMatchObject({
      workerId: null,
      startedAt: null,
      lastEventSeq: 0,
    });
    expect(await events(launched.id)).toEqual([]);
    expect((await app.gql(CLAIM, { w: "next" }, worker)).data!.claimRun.run.id).toBe(launched.id);
    expect(await events(launched.id)).toEqual([{ seq: 1, type: "RUN_START" }]);
  });
});

describe(`a long poll woken many times (${testDialect})`, () => {
  it("claims again at each announcement, and holds one listener on its request at a time", async () => {
    await drain();
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
    process.on("warning", onWarning);
    try {
      const answer = longPoll("woken", { seconds: 2 });
      for (let i = 0; i < 15; i++) {
        await waiting(1);
        const before = claimStatements;
        app.pubsub.pubsub.publish("runRequests", "etl", { kind: "RUN_AVAILABLE", runId: `announced-${i}` });
        await expect.poll(() => claimStatements, { timeout: 5_000 }).toBe(before + 1);
      }
      expect((await answer).data!.claimRun.run).toBeNull();
      // Warnings are emitted on the next tick.
      await new Promise((r) => setTimeout(r, 50));
      expect(warnings.filter((w) => /MaxListeners|memory leak/.test(w))).toEqual([]);
    } finally {
      process.off("warning", onWarning);
    }
  });
});

describe(`under a concurrency limit (${testDialect})`, () => {
  let limited: TestApp;
  beforeAll(async () => {
    limited = await createTestApp({ runs: { maxConcurrentRuns: 1, leaseSeconds: 30 } });
    await limited.gql(REGISTER, { name: "etl", ...manifestOf([{ key: "raw" }]) });
  });
  afterAll(() => limited.close());

  it("hands over only a run admitted at once: a queued run waits for a slot, then goes to the worker through a claim", async () => {
    const token = await limited.token("location:etl");
    const poll = (w: string) => limited.gql(LONG_POLL, { l: "etl", w, s: 20 }, token);
    const first = poll("first");
    await expect.poll(() => limited.runs.claims.size("etl"), { timeout: 5_000 }).toBe(1);
    const running = (await limited.gql(LAUNCH, { keys: ["raw"] })).data!.launchRun;
    expect(running.status).toBe("STARTED");
    expect((await first).data!.claimRun.run.id).toBe(running.id);

    const second = poll("second");
    await expect.poll(() => limited.runs.claims.size("etl"), { timeout: 5_000 }).toBe(1);
    const queued = (await limited.gql(LAUNCH, { keys: ["raw"] })).data!.launchRun;
    expect(queued.status).toBe("QUEUED");
    // Not handed over: the worker claimed again, found nothing and waits on.
    await expect.poll(() => limited.runs.claims.size("etl"), { timeout: 5_000 }).toBe(1);
    const ended = await limited.gql(
      REPORT,
      { id: running.id, w: "first", events: [{ seq: 2, type: "RUN_SUCCESS", timestamp: Date.now(), payload: { durationMs: 1 } }] },
      token,
    );
    expect(ended.data!.reportRunEvents.status).toBe("SUCCESS");
    const endedAt = Date.now();
    // Its slot freed, the queued run is admitted, and the waiting worker is woken and claims it
    // (not at the end of its wait: the wait cut short by the launch must not lose the wake-up).
    expect((await second).data!.claimRun.run.id).toBe(queued.id);
    expect(Date.now() - endedAt).toBeLessThan(5_000);
  });
});
