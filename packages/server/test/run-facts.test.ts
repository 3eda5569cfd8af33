import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tapSql } from "../src/testing/tap-sql.js";
import { createStrataYoga } from "../src/yoga.js";
import { manifestOf, REGISTER } from "../src/testing/manifests.js";
import { createTestApp, type TestApp } from "../src/testing/test-app.js";
import { RunFacts } from "../src/runs/run-facts.js";
import type { RunPlan } from "../src/runs/run-plan.js";
import { testDialect } from "../src/testing/test-database.js";

let app: TestApp;
let worker: string;
beforeAll(async () => {
  app = await createTestApp();
  worker = await app.token("location:etl");
  await app.gql(REGISTER, { name: "etl", ...manifestOf([{ key: "a" }, { key: "b", deps: ["a"] }]) }, worker);
  await app.gql(REGISTER, { name: "other", ...manifestOf([{ key: "x" }]) }, await app.token("location:other"));
});
afterAll(() => app.close());

const READS_LOCATION = `SELECT l.name AS location FROM "Run"`;
const READS_PLAN = `SELECT plan FROM "Run"`;

/** A server over the same database whose statements are recorded: a replica with nothing in memory yet. */
function replica() {
  const statements: string[] = [];
  const yoga = createStrataYoga({
    db: { ...app.db, sql: tapSql(app.db.sql, { before: (text) => statements.push(text) }) },
    logger: app.logger,
    pubsub: app.pubsub,
    auth: "required",
    runs: app.runs,
    graphiql: false,
  });
  const gql = async (query: string, variables: Record<string, unknown>, token = worker) => {
    const response = await yoga.fetch("http://strata.test/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    return ((await response.json()) as { data: Record<string, any> }).data;
  };
  /** The statements `fn` issued. */
  const during = async <T>(fn: () => Promise<T>): Promise<{ result: T; statements: string[] }> => {
    statements.length = 0;
    const result = await fn();
    return { result, statements: [...statements] };
  };
  return { gql, during };
}

const REPORT = `mutation($id: ID!, $e: [RunEventInput!]!) { reportRunEvents(runId: $id, workerId: "w", events: $e) {
  __typename ... on RunReport { lastSeq } ... on Error { message } } }`;
const HEARTBEAT = `mutation($id: ID!) { heartbeatRun(runId: $id, workerId: "w") { __typename ... on Error { message } } }`;
let t = Date.now();
const stepStart = (seq: number, stepKey: string) => ({ seq, type: "STEP_START", stepKey, timestamp: t++, payload: { retryNumber: 0 } });

async function launched(keys: string[]): Promise<string> {
  await app.db.sql.query(`UPDATE "Run" SET status = 'CANCELED', "endedAt" = now() WHERE status NOT IN ('SUCCESS', 'FAILURE', 'CANCELED')`);
  const data = await app.gql(`mutation($k: [String!]!) { launchRun(assetKeys: $k) { ... on Run { id } } }`, { k: keys });
  return data.data!.launchRun.id as string;
}

describe(`a run's location and plan, read once (${testDialect})`, () => {
  it("the server that handed a run to its worker checks the worker's reports without reading them again", async () => {
    const server = replica();
    const id = await launched(["a", "b"]);
    const claimed = await server.gql(`mutation { claimRun(location: "etl", workerId: "w") { ... on ClaimRunResult { run { id } } } }`, {});
    expect(claimed.claimRun.run.id).toBe(id);

    const first = await server.during(() => server.gql(REPORT, { id, e: [stepStart(2, "a")] }));
    expect(first.result.reportRunEvents).toEqual({ __typename: "RunReport", lastSeq: 2 });
    expect(first.statements.filter((s) => s.includes(READS_LOCATION) || s.includes(READS_PLAN))).toEqual([]);
    const beat = await server.during(() => server.gql(HEARTBEAT, { id }));
    expect(beat.result.heartbeatRun.__typename).toBe("RunReport");
    expect(beat.statements.filter((s) => s.includes(READS_LOCATION))).toEqual([]);

    // Kept facts check as the stored ones did: a step outside the plan is refused, the log unchanged.
    const outside = await server.gql(REPORT, { id, e: [stepStart(3, "x")] });
    expect(outside.reportRunEvents.__typename).toBe("EventOutsidePlanError");
    expect(outside.reportRunEvents.message).toContain(`names step "x", which is not in run ${id}'s plan`);
    expect(await app.db.prisma.runEvent.count({ where: { runId: id } })).toBe(2);
  });

  it("another server reads them at the run's first report and keeps them for the next", async () => {
    const id = await launched(["a", "b"]);
    await app.gql(`mutation { claimRun(location: "etl", workerId: "w") { ... on ClaimRunResult { run { id } } } }`, {}, worker);
    const server = replica();

    const first = await server.during(() => server.gql(REPORT, { id, e: [stepStart(2, "a")] }));
    expect(first.result.reportRunEvents.__typename).toBe("RunReport");
    expect(first.statements.filter((s) => s.includes(READS_LOCATION)).length).toBe(1);
    expect(first.statements.filter((s) => s.includes(READS_PLAN)).length).toBe(1);
    const second = await server.during(() => server.gql(REPORT, { id, e: [stepStart(3, "b")] }));
    expect(second.result.reportRunEvents).toEqual({ __typename: "RunReport", lastSeq: 3 });
    expect(second.statements.filter((s) => s.includes(READS_LOCATION) || s.includes(READS_PLAN))).toEqual([]);

    // The kept location still scopes: another location's token is refused, kept or not.
    const foreign = await server.gql(REPORT, { id, e: [stepStart(4, "b")] }, await app.token("location:other"));
    expect(foreign.reportRunEvents.__typename).toBe("UnauthorizedError");
    const unknown = await server.gql(REPORT, { id: "00000000-0000-4000-8000-000000000000", e: [stepStart(1, "a")] });
    expect(unknown.reportRunEvents.__typename).toBe("NotFoundError");
  });
});

describe("the facts kept in memory stay within their limits", () => {
  const plan = (n: number, prefix = "s"): RunPlan => ({
    planVersion: 1,
    stepKeys: Array.from({ length: n }, (_, i) => `${prefix}${i}`),
    assetKeys: Array.from({ length: n }, (_, i) => `${prefix}${i}`),
    reusedOutputs: [],
  });

  it("a run remembered again (claimed once more) counts its plan's keys once, with the plan it has now", () => {
    const facts = new RunFacts(10, 100);
    facts.rememberPlan("r1", plan(5));
    for (let i = 0; i < 50; i++) facts.rememberPlan("r1", plan(5));
    expect(facts.planKeys).toBe(10);
    facts.rememberPlan("r1", plan(3, "t"));
    expect(facts.planKeys).toBe(6);
    expect([...facts.plan("r1")!.steps]).toEqual(["t0", "t1", "t2"]);
    // Nothing else was evicted on the way: another run fits beside it.
    facts.rememberPlan("r2", plan(40));
    expect(facts.runs).toBe(2);
    expect(facts.planKeys).toBe(86);
  });

  it("the least recently used runs go first, by count and by plan keys", () => {
    const facts = new RunFacts(3, 100);
    for (const id of ["a", "b", "c"]) facts.rememberPlan(id, plan(5));
    facts.plan("a"); // read: now the most recent
    facts.rememberPlan("d", plan(5));
    expect(["a", "b", "c", "d"].map((id) => facts.plan(id) !== undefined)).toEqual([true, false, true, true]);
    // 30 keys kept (c, a, d); a plan of 90 keys leaves room for the newest of them alone.
    facts.rememberPlan("big", plan(45));
    expect(["c", "a", "d", "big"].map((id) => facts.plan(id) !== undefined)).toEqual([false, false, true, true]);
    expect(facts.planKeys).toBe(100);
    // One plan larger than the limit is still kept, alone (a report of that run needs it).
    facts.rememberPlan("huge", plan(80));
    expect([facts.runs, facts.planKeys]).toEqual([1, 160]);
  });

  it("a location remembered again becomes the newest", () => {
    const facts = new RunFacts(2, 100);
    facts.rememberLocation("a", "etl");
    facts.rememberLocation("b", "etl");
    facts.rememberLocation("a", "etl");
    facts.rememberLocation("c", "etl");
    expect(["a", "b", "c"].map((id) => facts.location(id))).toEqual(["etl", undefined, "etl"]);
  });
});
