import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { tapSql } from "../src/testing/tap-sql.js";
import { createStrataYoga } from "../src/yoga.js";
import { manifestOf, REGISTER } from "../src/testing/manifests.js";
import { createTestApp, type TestApp } from "../src/testing/test-app.js";
import { testDialect } from "../src/testing/test-database.js";
import { runStartPayload } from "../src/testing/events.js";

let app: TestApp;
let worker: string;
const W = "worker-1";
beforeAll(async () => {
  app = await createTestApp({
    runs: {
      maxConcurrentRuns: 2,
      leaseSeconds: 30,
      startTimeoutSeconds: 60,
      tagConcurrencyLimits: [{ key: "db", value: "warehouse", limit: 1 }],
    },
  });
  worker = await app.token("location:etl");
  await app.gql(REGISTER, { name: "etl", ...manifestOf([{ key: "a" }, { key: "b", deps: ["a"] }, { key: "c", deps: ["b"] }]) }, worker);
});
afterAll(() => app.close());

const LAUNCH = `mutation($keys: [String!]!, $tags: JSON) { launchRun(assetKeys: $keys, tags: $tags) { ... on Run { id } } }`;
const gqlAs = (q: string, v: Record<string, unknown>, t?: string | null) => app.gql(q, v, t);
const launch = async (keys: string[], tags?: Record<string, string>) => (await gqlAs(LAUNCH, { keys, tags })).data!.launchRun.id as string;
const status = async (id: string) => (await app.db.prisma.run.findUniqueOrThrow({ where: { id } })).status;
const claim = async (w = W, lease?: number) =>
  (
    await gqlAs(
      `mutation($w: String!, $l: Int) { claimRun(location: "etl", workerId: $w, leaseSeconds: $l) { ... on ClaimRunResult { run { id stepKeys reusedOutputs { stepKey output runId } parentRunId strategy } } } }`,
      { w, l: lease },
      worker,
    )
  ).data!.claimRun.run;
const report = async (id: string, events: unknown[], w = W) =>
  (
    await gqlAs(
      `mutation($id: ID!, $w: String!, $e: [RunEventInput!]!) { reportRunEvents(runId: $id, workerId: $w, events: $e) { __typename ... on RunReport { status cancelRequested } ... on Error { message } } }`,
      { id, w, e: events },
      worker,
    )
  ).data!.reportRunEvents;
const settle = () => new Promise((r) => setTimeout(r, 60));
/**
 * Waits until the runs have `expected` statuses, then checks they keep them a moment longer:
 * with tag limits the coordinator admits queued runs in a turn of its own, which a busy machine
 * (CI running test files side by side) may give later than a fixed pause.
 */
async function expectStatuses(ids: string[], expected: string[]): Promise<void> {
  const now = () => Promise.all(ids.map(status));
  await vi.waitFor(async () => expect(await now()).toEqual(expected), { timeout: 5_000, interval: 20 });
  await settle();
  expect(await now()).toEqual(expected);
}
async function drain() {
  await app.db.sql.query(`UPDATE "Run" SET status = 'CANCELED', "endedAt" = now() WHERE status NOT IN ('SUCCESS', 'FAILURE', 'CANCELED')`);
}
/** With every earlier run ended, launches a run of `keys` that worker W then claims; answers its id. */
async function claimedRun(keys: string[]): Promise<string> {
  await drain();
  const id = await launch(keys);
  await expectStatuses([id], ["STARTING"]);
  await claim();
  return id;
}

let t = Date.now();
const e = (seq: number, type: string, extra: Record<string, unknown> = {}) => ({ seq, type, timestamp: t++, payload: {}, ...extra });
const start = (id: string, stepKeys: string[]) =>
  e(1, "RUN_START", {
    payload: runStartPayload({ id, stepKeys, assetKeys: stepKeys }),
  });

describe(`the queue (${testDialect})`, () => {
  it("starts at most maxConcurrentRuns, highest priority first, FIFO among equals", async () => {
    await drain();
    const low = await launch(["a"]);
    const high = await launch(["a"], { "strata/priority": "10" });
    const second = await launch(["a"]);
    await expectStatuses([high, low, second], ["STARTING", "STARTING", "QUEUED"]);
    // Ending one frees a slot for the next in line.
    const first = await claim();
    expect(first.id).toBe(high);
    await report(high, [start(high, ["a"]), e(2, "RUN_SUCCESS", { payload: { durationMs: 1 } })]);
    await expectStatuses([second], ["STARTING"]);
  });

  it("holds a run back while its tag limit is reached, without blocking others", async () => {
    await drain();
    const w1 = await launch(["a"], { db: "warehouse" });
    const w2 = await launch(["a"], { db: "warehouse" });
    const other = await launch(["a"], { db: "lake" });
    await expectStatuses([w1, w2, other], ["STARTING", "QUEUED", "STARTING"]);
  });
});

describe(`the run monitor (${testDialect})`, () => {
  it("fails a run whose worker stopped heartbeating, with a reason and a RUN_FAILURE event", async () => {
    await drain();
    const id = await launch(["a", "b"]);
    await expectStatuses([id], ["STARTING"]);
    expect((await claim(W, 1)).id).toBe(id);
    await report(id, [start(id, ["a", "b"]), e(2, "STEP_START", { stepKey: "a", payload: { retryNumber: 0 } })]);
    // The worker went silent 32 s into the run.
    await app.db.sql.query(
      `UPDATE "Run" SET "startedAt" = now() - interval '32 seconds', "leaseExpiresAt" = now() - interval '1 second' WHERE id = $1`,
      [id],
    );
    await app.runs.tick();
    const run = await app.gql(
      `query($id: ID!) { run(id: $id) { ... on Run { status failureReason startedAt endedAt steps { stepKey status } events { seq type payload } } } }`,
      { id },
    );
    const stored = run.data!.run;
    expect(stored.status).toBe("FAILURE");
    expect(stored.failureReason).toMatch(/Worker worker-1 of code location "etl" stopped heartbeating; its lease expired/);
    // The running step failed; the one that never started was skipped, as the executor reports it.
    expect(stored.steps).toEqual([
      { stepKey: "a", status: "FAILURE" },
      { stepKey: "b", status: "SKIPPED" },
    ]);
    expect(stored.events.map((x: { seq: number; type: string }) => [x.seq, x.type])).toEqual([
      [1, "RUN_START"],
      [2, "STEP_START"],
      [3, "RUN_FAILURE"],
    ]);
    expect(stored.events[2].payload).toMatchObject({ failedSteps: ["a"], skippedSteps: ["b"] });
    const durationMs = stored.events[2].payload.durationMs as number;
    expect(durationMs).toBeGreaterThanOrEqual(32_000);
    expect(Math.abs(durationMs - (Date.parse(stored.endedAt) - Date.parse(stored.startedAt)))).toBeLessThanOrEqual(1);
    // The worker, back from the dead, is told it lost the run.
    expect(await report(id, [e(3, "STEP_SUCCESS", { stepKey: "a", payload: { durationMs: 1, retryNumber: 0 } })])).toMatchObject({
      __typename: "RunNotHeldError",
    });
  });

  it("cancels a run being canceled whose worker vanished: unfinished steps CANCELED, never-started ones listed", async () => {
    await drain();
    const id = await launch(["a", "b"]);
    await expectStatuses([id], ["STARTING"]);
    expect((await claim(W)).id).toBe(id);
    await report(id, [start(id, ["a", "b"]), e(2, "STEP_START", { stepKey: "a", payload: { retryNumber: 0 } })]);
    await gqlAs(`mutation($id: ID!) { terminateRun(runId: $id) { __typename } }`, { id });
    await app.db.sql.query(
      `UPDATE "Run" SET "startedAt" = now() - interval '5 seconds', "leaseExpiresAt" = now() - interval '1 second' WHERE id = $1`,
      [id],
    );
    await app.runs.tick();
    const run = (
      await app.gql(`query($id: ID!) { run(id: $id) { ... on Run { status steps { stepKey status } events { type payload } } } }`, { id })
    ).data!.run;
    expect(run.status).toBe("CANCELED");
    expect(run.steps).toEqual([
      { stepKey: "a", status: "CANCELED" },
      { stepKey: "b", status: "CANCELED" },
    ]);
    expect(run.events.at(-1)).toMatchObject({ type: "RUN_CANCELED", payload: { notStartedSteps: ["b"] } });
    expect(run.events.at(-1).payload.durationMs).toBeGreaterThanOrEqual(5_000);
  });

  it("fails a run no worker claimed within the start timeout", async () => {
    await drain();
    const id = await launch(["a"]);
    await expectStatuses([id], ["STARTING"]);
    await app.db.sql.query(`UPDATE "Run" SET "startingAt" = now() - interval '61 seconds' WHERE id = $1`, [id]);
    await app.runs.tick();
    const run = await app.db.prisma.run.findUniqueOrThrow({ where: { id } });
    expect(run.status).toBe("FAILURE");
    expect(run.failureReason).toMatch(/No worker of code location "etl" claimed the run within 60 s/);
  });
});

describe(`a claim its worker never heard of (${testDialect})`, () => {
  it("is handed back when the worker hung up while it was made: the run STARTING again, without its RUN_START, for the next worker", async () => {
    await drain();
    const id = await launch(["a"]);
    await expectStatuses([id], ["STARTING"]);
    // The worker hangs up exactly while the claim's statement runs: the same app, over a
    // database handle that aborts the request as the claim reaches the database.
    const hangUp = new AbortController();
    let handedBack = false;
    const hangingUp = tapSql(app.db.sql, {
      before: (text) => {
        if (text.includes("WITH claimed AS")) hangUp.abort();
      },
      after: (text) => {
        if (text.includes("WITH released AS")) handedBack = true;
      },
    });
    const yoga = createStrataYoga({
      db: { ...app.db, sql: hangingUp },
      logger: app.logger,
      pubsub: app.pubsub,
      auth: "required",
      runs: app.runs,
      graphiql: false,
    });
    // The client side of the request ends at the abort; the server side goes on to hand the claim back.
    await Promise.resolve(
      yoga.fetch("http://strata.test/graphql", {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${worker}` },
        body: JSON.stringify({
          query: `mutation { claimRun(location: "etl", workerId: "gone") { ... on ClaimRunResult { run { id } } } }`,
        }),
        signal: hangUp.signal,
      }),
    )
      .then((response) => response.text())
      .catch(() => undefined);
    expect(hangUp.signal.aborted).toBe(true);
    await expect.poll(() => handedBack, { timeout: 5_000 }).toBe(true);
    const released = await app.db.prisma.run.findUniqueOrThrow({ where: { id } });
    expect(released).toMatchObject({ status: "STARTING", workerId: null, startedAt: null, leaseExpiresAt: null, lastEventSeq: 0 });
    expect(await app.db.prisma.runEvent.count({ where: { runId: id } })).toBe(0);
    // The next worker claims it as any run: its RUN_START stored again, at seq 1.
    expect((await claim("worker-2"))?.id).toBe(id);
    const events = await app.db.prisma.runEvent.findMany({ where: { runId: id }, select: { seq: true, type: true } });
    expect(events).toEqual([{ seq: 1, type: "RUN_START" }]);
    expect(await app.db.prisma.run.findUniqueOrThrow({ where: { id } })).toMatchObject({
      status: "STARTED",
      workerId: "worker-2",
      lastEventSeq: 1,
    });
  });
});

describe(`terminating (${testDialect})`, () => {
  const TERMINATE = `mutation($id: ID!) { terminateRun(runId: $id) { __typename ... on Run { status } ... on RunStatusError { status message } } }`;

  it("cancels a queued run at once", async () => {
    await drain();
    await app.db.sql.query(`UPDATE "Run" SET status = 'STARTED' WHERE false`);
    const blockers = [await launch(["a"]), await launch(["a"])];
    const queued = await launch(["a"]);
    await expectStatuses([...blockers, queued], ["STARTING", "STARTING", "QUEUED"]);
    expect((await gqlAs(TERMINATE, { id: queued })).data!.terminateRun).toEqual({ __typename: "Run", status: "CANCELED" });
    const events = await app.db.prisma.runEvent.findMany({ where: { runId: queued } });
    expect(events.map((x) => x.type)).toEqual(["RUN_CANCELED"]);
    void blockers;
  });

  it("asks the worker of a started run to stop, and the run ends CANCELED when it reports so", async () => {
    await drain();
    const id = await launch(["a"]);
    await expectStatuses([id], ["STARTING"]);
    const requests = await app.subscribe(`subscription { runRequests(location: "etl") { kind runId } }`, {}, worker);
    await settle();
    await claim();
    expect((await gqlAs(TERMINATE, { id })).data!.terminateRun.status).toBe("CANCELING");
    expect((await requests.next()).data!.runRequests).toEqual({ kind: "CANCEL_REQUESTED", runId: id });
    requests.close();
    const heartbeat = await gqlAs(
      `mutation($id: ID!) { heartbeatRun(runId: $id, workerId: "${W}") { ... on RunReport { cancelRequested status } } }`,
      { id },
      worker,
    );
    expect(heartbeat.data!.heartbeatRun).toEqual({ cancelRequested: true, status: "CANCELING" });
    await report(id, [start(id, ["a"]), e(2, "RUN_CANCELED", { payload: { durationMs: 1, notStartedSteps: ["a"] } })]);
    expect(await status(id)).toBe("CANCELED");
    // The step the worker never started ends with its run, not PENDING forever.
    expect(await app.db.prisma.runStep.findMany({ where: { runId: id }, select: { stepKey: true, status: true } })).toEqual([
      { stepKey: "a", status: "CANCELED" },
    ]);
    const again = (await gqlAs(TERMINATE, { id })).data!.terminateRun;
    expect(again).toMatchObject({ __typename: "RunStatusError", status: "CANCELED" });
    expect(again.message).toMatch(/already ended \(CANCELED\)/);
  });
});

describe(`a run the worker ends (${testDialect})`, () => {
  it("a failure outside any step: the running step FAILURE, the never-started ones SKIPPED, each with an end time", async () => {
    const id = await claimedRun(["a", "b", "c"]);
    await report(id, [
      start(id, ["a", "b", "c"]),
      e(2, "STEP_START", { stepKey: "a", payload: { retryNumber: 0 } }),
      e(3, "RUN_FAILURE", {
        payload: {
          durationMs: 2,
          failedSteps: ["a"],
          error: { name: "ResourceError", message: "warehouse down", stack: null, cause: null },
        },
      }),
    ]);
    expect(await status(id)).toBe("FAILURE");
    const steps = await app.db.prisma.runStep.findMany({ where: { runId: id }, orderBy: { stepKey: "asc" } });
    expect(steps.map((s) => [s.stepKey, s.status])).toEqual([
      ["a", "FAILURE"],
      ["b", "SKIPPED"],
      ["c", "SKIPPED"],
    ]);
    expect(steps.every((s) => s.endedAt !== null)).toBe(true);
  });
});

describe(`re-execution (${testDialect})`, () => {
  const REEXECUTE = `mutation($id: ID!, $s: ReexecutionStrategy!) { reexecuteRun(runId: $id, strategy: $s, extraTags: { retry: "yes" }) {
    __typename ... on Error { message } ... on Run { id parentRunId rootRunId reexecutionStrategy stepKeys tags } } }`;

  it("FROM_FAILURE re-runs the failed step and what follows, loading the rest from the parent", async () => {
    const id = await claimedRun(["a", "b", "c"]);
    const events = [
      start(id, ["a", "b", "c"]),
      e(2, "STEP_START", { stepKey: "a", payload: { retryNumber: 0 } }),
      e(3, "STEP_OUTPUT", { stepKey: "a", payload: { outputName: "a", assetKey: "a", stored: true, metadata: {} } }),
      e(4, "STEP_SUCCESS", { stepKey: "a", payload: { durationMs: 1, retryNumber: 0 } }),
      e(5, "STEP_START", { stepKey: "b", payload: { retryNumber: 0 } }),
      e(6, "STEP_FAILURE", {
        stepKey: "b",
        payload: { error: { name: "Error", message: "boom", stack: null, cause: null }, retryNumber: 0, userCode: true },
      }),
      e(7, "STEP_SKIPPED", { stepKey: "c", payload: { reason: "upstream_failed", missing: [] } }),
      e(8, "RUN_FAILURE", { payload: { durationMs: 1, failedSteps: ["b"], skippedSteps: ["c"], error: null } }),
    ];
    await report(id, events);
    expect(await status(id)).toBe("FAILURE");
    const child = (await gqlAs(REEXECUTE, { id, s: "FROM_FAILURE" })).data!.reexecuteRun;
    expect(child).toMatchObject({
      __typename: "Run",
      parentRunId: id,
      rootRunId: id,
      reexecutionStrategy: "FROM_FAILURE",
      stepKeys: ["b", "c"],
    });
    expect(child.tags).toMatchObject({ retry: "yes", "strata/parent_run_id": id, "strata/root_run_id": id });
    await expectStatuses([child.id], ["STARTING"]);
    const claimed = await claim("worker-2");
    expect(claimed).toMatchObject({ id: child.id, stepKeys: ["b", "c"], parentRunId: id, strategy: "FROM_FAILURE" });
    const all = (await gqlAs(REEXECUTE, { id, s: "ALL_STEPS" })).data!.reexecuteRun;
    expect(all.stepKeys).toEqual(["a", "b", "c"]);
    const parent = await app.gql(`query($id: ID!) { run(id: $id) { ... on Run { childRuns { id } } } }`, { id });
    expect(parent.data!.run.childRuns.map((r: { id: string }) => r.id)).toEqual([child.id, all.id]);
  });

  it("says so when there is nothing to re-execute, and refuses an unfinished run", async () => {
    const id = await claimedRun(["a"]);
    const running = (await gqlAs(REEXECUTE, { id, s: "FROM_FAILURE" })).data!.reexecuteRun;
    expect(running).toMatchObject({ __typename: "RunStatusError" });
    await report(id, [
      start(id, ["a"]),
      e(2, "STEP_START", { stepKey: "a", payload: { retryNumber: 0 } }),
      e(3, "STEP_SUCCESS", { stepKey: "a", payload: { durationMs: 1, retryNumber: 0 } }),
      e(4, "RUN_SUCCESS", { payload: { durationMs: 1 } }),
    ]);
    const nothing = (await gqlAs(REEXECUTE, { id, s: "FROM_FAILURE" })).data!.reexecuteRun;
    expect(nothing.__typename).toBe("NothingToReexecuteError");
    expect(nothing.message).toMatch(/Nothing to re-execute FROM_FAILURE/);
    const missing = (await gqlAs(REEXECUTE, { id: "00000000-0000-0000-0000-000000000000", s: "ALL_STEPS" })).data!.reexecuteRun;
    expect(missing.__typename).toBe("NotFoundError");
  });

  it("SELECTED_STEPS re-runs exactly the chosen steps, and refuses steps the parent did not run", async () => {
    const SELECTED = `mutation($id: ID!, $steps: [String!]) { reexecuteRun(runId: $id, strategy: SELECTED_STEPS, stepKeys: $steps) {
      __typename ... on Error { message } ... on InvalidArgumentError { argument } ... on Run { id reexecutionStrategy stepKeys } } }`;
    const id = await claimedRun(["a", "b", "c"]);
    await report(id, [
      start(id, ["a", "b", "c"]),
      ...["a", "b", "c"].flatMap((step, i) => [
        e(2 + i * 3, "STEP_START", { stepKey: step, payload: { retryNumber: 0 } }),
        e(3 + i * 3, "STEP_OUTPUT", { stepKey: step, payload: { outputName: step, assetKey: step, stored: true, metadata: {} } }),
        e(4 + i * 3, "STEP_SUCCESS", { stepKey: step, payload: { durationMs: 1, retryNumber: 0 } }),
      ]),
      e(11, "RUN_SUCCESS", { payload: { durationMs: 1 } }),
    ]);
    const child = (await gqlAs(SELECTED, { id, steps: ["b"] })).data!.reexecuteRun;
    expect(child).toMatchObject({ __typename: "Run", reexecutionStrategy: "SELECTED_STEPS", stepKeys: ["b"] });
    await expectStatuses([child.id], ["STARTING"]);
    // The worker runs b alone (its dependency a is read from storage, as for any subset).
    const claimed = await claim("worker-3");
    expect(claimed).toMatchObject({ id: child.id, stepKeys: ["b"], strategy: "SELECTED_STEPS" });

    const unknown = (await gqlAs(SELECTED, { id, steps: ["b", "zz"] })).data!.reexecuteRun;
    expect(unknown).toMatchObject({ __typename: "InvalidArgumentError", argument: "stepKeys" });
    expect(unknown.message).toMatch(/no step "zz"/);
    const none = (await gqlAs(SELECTED, { id, steps: null })).data!.reexecuteRun;
    expect(none).toMatchObject({ __typename: "InvalidArgumentError", argument: "stepKeys" });
    const mixed = (
      await gqlAs(`mutation($id: ID!) { reexecuteRun(runId: $id, strategy: ALL_STEPS, stepKeys: ["a"]) { __typename } }`, { id })
    ).data!.reexecuteRun;
    expect(mixed.__typename).toBe("InvalidArgumentError");
  });
});

describe(`run event streams (${testDialect})`, () => {
  it("replay the backlog, then stream live events, each once and in order, and end after the last", async () => {
    const id = await claimedRun(["a"]);
    await report(id, [start(id, ["a"]), e(2, "STEP_START", { stepKey: "a", payload: { retryNumber: 0 } })]);
    const stream = await app.subscribe(`subscription($id: ID!) { runEvents(runId: $id, after: 1) { seq type } }`, { id });
    expect((await stream.next()).data!.runEvents).toEqual({ seq: 2, type: "STEP_START" });
    await report(id, [
      e(2, "STEP_START", { stepKey: "a", payload: { retryNumber: 0 } }),
      e(3, "STEP_SUCCESS", { stepKey: "a", payload: { durationMs: 1, retryNumber: 0 } }),
      e(4, "RUN_SUCCESS", { payload: { durationMs: 1 } }),
    ]);
    expect((await stream.next()).data!.runEvents).toEqual({ seq: 3, type: "STEP_SUCCESS" });
    expect((await stream.next()).data!.runEvents).toEqual({ seq: 4, type: "RUN_SUCCESS" });
    await expect(stream.next(1000)).rejects.toThrow(/subscription ended/);
    // Resuming after the last event of a finished run ends at once instead of waiting forever.
    const resumed = await app.subscribe(`subscription($id: ID!) { runEvents(runId: $id, after: 4) { seq } }`, { id });
    await expect(resumed.next(2000)).rejects.toThrow(/subscription ended/);
    const statuses = await app.gql(
      `query($id: ID!) { runs(first: 5) { edges { node { id status } } } run(id: $id) { ... on Run { durationMs } } }`,
      { id },
    );
    expect(statuses.data!.runs.edges[0].node).toEqual({ id, status: "SUCCESS" });
  });

  it("filter runs by status, tag and asset", async () => {
    const tagged = await launch(["c"], { owner: "ana" });
    const byTag = await app.gql(`{ runs(tag: "owner=ana") { edges { node { id } } } }`);
    expect(byTag.data!.runs.edges.map((x: { node: { id: string } }) => x.node.id)).toEqual([tagged]);
    const byAsset = await app.gql(`{ runs(assetKey: "c", status: [QUEUED, STARTING]) { edges { node { id } } } }`);
    expect(byAsset.data!.runs.edges.map((x: { node: { id: string } }) => x.node.id)).toContain(tagged);
  });
});

describe(`scopes on run operations (${testDialect})`, () => {
  it("launch, re-execute and terminate need launch; worker operations need the run's location", async () => {
    const reader = await app.token("read");
    const otherLocation = await app.token("location:other");
    const launchAsReader = await gqlAs(`mutation { launchRun(assetKeys: ["a"]) { __typename } }`, {}, reader);
    expect(launchAsReader.data!.launchRun.__typename).toBe("UnauthorizedError");
    const id = await launch(["a"]);
    for (const mutation of [`reexecuteRun(runId: "${id}", strategy: ALL_STEPS)`, `terminateRun(runId: "${id}")`]) {
      const result = await gqlAs(`mutation { ${mutation} { __typename } }`, {}, reader);
      expect(Object.values(result.data!)[0]).toEqual({ __typename: "UnauthorizedError" });
    }
    const claimAsOther = await gqlAs(`mutation { claimRun(location: "etl", workerId: "x") { __typename } }`, {}, otherLocation);
    expect(claimAsOther.data!.claimRun.__typename).toBe("UnauthorizedError");
    for (const mutation of [`heartbeatRun(runId: "${id}", workerId: "x")`, `reportRunEvents(runId: "${id}", workerId: "x", events: [])`]) {
      const result = await gqlAs(`mutation { ${mutation} { __typename } }`, {}, otherLocation);
      expect(Object.values(result.data!)[0]).toEqual({ __typename: "UnauthorizedError" });
    }
    for (const subscription of [
      `runRequests(location: "etl") { runId }`,
      `runEvents(runId: "${id}") { seq }`,
      `runStatusChanged { runId }`,
    ]) {
      const stream = await app.subscribe(`subscription { ${subscription} }`, {}, otherLocation);
      const first = await stream.next();
      stream.close();
      expect(first.errors![0]).toMatchObject({ extensions: { code: "FORBIDDEN" } });
    }
  });
});
