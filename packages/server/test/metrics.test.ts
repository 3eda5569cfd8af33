import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createToken } from "../src/auth/tokens.js";
import { MAX_OPERATION_NAMES } from "../src/metrics/server-metrics.js";
import type { StrataServer } from "../src/server.js";
import { manifestOf, REGISTER } from "../src/testing/manifests.js";
import { createTestApp } from "../src/testing/test-app.js";
import { testDialect } from "../src/testing/test-database.js";
import { runStartPayload } from "../src/testing/events.js";
import { startLoopbackServer } from "../src/testing/loopback-server.js";

const METRICS_TOKEN = "scraper-secret-0123456789";

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Prometheus' text format, the samples only. */
function parseMetrics(text: string): Sample[] {
  return text
    .split("\n")
    .filter((line) => line && !line.startsWith("#"))
    .map((line) => {
      const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!match) throw new Error(`not a sample: ${line}`);
      const labels = Object.fromEntries([...(match[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!]));
      return { name: match[1]!, labels, value: Number(match[3]) };
    });
}

/** The value of the one sample of `name` carrying at least `labels`; undefined when absent. */
function sampleValue(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return found[0]?.value;
}

describe(`GET /metrics over a real port (${testDialect})`, () => {
  let server: StrataServer;
  let admin: string;
  let worker: string;
  let reader: string;

  const scrape = (token?: string, init: RequestInit = {}) =>
    fetch(`${server.url}/metrics`, { ...init, headers: token ? { authorization: `Bearer ${token}` } : {} });
  const gql = async (query: string, variables: Record<string, unknown>, token: string) => {
    const response = await fetch(server.graphqlUrl, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: any; errors?: unknown[] };
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data;
  };

  let t = Date.now();
  const event = (seq: number, type: string, extra: Record<string, unknown> = {}) => ({ seq, type, timestamp: t++, payload: {}, ...extra });
  const materialized = (seq: number, key: string) =>
    event(seq, "ASSET_MATERIALIZATION", { stepKey: key, payload: { assetKey: key, outputName: key, metadata: {} } });
  const stepSuccess = (seq: number, key: string) =>
    event(seq, "STEP_SUCCESS", { stepKey: key, payload: { durationMs: 250, retryNumber: 0 } });
  const succeeded = (id: string) => [
    event(1, "RUN_START", {
      payload: runStartPayload({ id, stepKeys: ["a", "b"], assetKeys: ["a", "b"] }),
    }),
    event(2, "STEP_START", { stepKey: "a", payload: { retryNumber: 0 } }),
    materialized(3, "a"),
    stepSuccess(4, "a"),
    event(5, "STEP_START", { stepKey: "b", payload: { retryNumber: 0 } }),
    materialized(6, "b"),
    stepSuccess(7, "b"),
    event(8, "RUN_SUCCESS", { payload: { durationMs: 1500 } }),
  ];
  const failed = (id: string) => [
    ...succeeded(id).slice(0, 5),
    event(6, "STEP_FAILURE", {
      stepKey: "b",
      payload: { error: { name: "Error", message: "boom", stack: null, cause: null }, retryNumber: 0, userCode: true },
    }),
    event(7, "RUN_FAILURE", {
      payload: {
        durationMs: 900,
        failedSteps: ["b"],
        skippedSteps: [],
        error: { name: "Error", message: "boom", stack: null, cause: null },
      },
    }),
  ];

  async function runOnce(events: (id: string) => unknown[]) {
    const launched = await gql(`mutation Launch { launchRun(assetKeys: ["a", "b"]) { ... on Run { id } } }`, {}, admin);
    const claimed = await gql(
      `mutation Claim { claimRun(location: "etl", workerId: "w1", waitSeconds: 5) { ... on ClaimRunResult { run { id } } } }`,
      {},
      worker,
    );
    expect(claimed.claimRun.run.id).toBe(launched.launchRun.id);
    const report = `mutation Report($id: ID!, $e: [RunEventInput!]!) {
      reportRunEvents(runId: $id, workerId: "w1", events: $e) { __typename ... on RunReport { status } ... on Error { message } }
    }`;
    const reported = await gql(report, { id: claimed.claimRun.run.id, e: events(claimed.claimRun.run.id) }, worker);
    expect(reported.reportRunEvents.__typename).toBe("RunReport");
    // The worker resends the whole batch (its answer was lost): nothing is counted twice.
    await gql(report, { id: claimed.claimRun.run.id, e: events(claimed.claimRun.run.id) }, worker);
  }

  beforeAll(async () => {
    server = await startLoopbackServer({ env: { STRATA_METRICS_TOKEN: METRICS_TOKEN } });
    const token = async (name: string, scopes: string[]) => (await createToken(server.db.prisma, { name, scopes })).token;
    admin = await token("admin", ["admin"]);
    worker = await token("etl-worker", ["location:etl"]);
    reader = await token("dashboards", ["read"]);
    const registered = await gql(REGISTER, { name: "etl", ...manifestOf([{ key: "a" }, { key: "b", deps: ["a"] }]) }, worker);
    expect(registered.registerCodeLocation.__typename).toBe("RegisterCodeLocationSuccess");
    await gql(`mutation Heartbeat { reportCodeLocationHeartbeat(name: "etl") { ... on CodeLocation { name } } }`, {}, worker);
    await runOnce(succeeded);
    await runOnce(succeeded);
    await runOnce(failed);
  });
  afterAll(async () => {
    const db = server.db;
    await server.close();
    await db.close();
  });

  it("counts runs by location and final status, steps, materializations and ingested events", async () => {
    const response = await scrape(reader);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(text).toMatch(/^strata_runs_total\{location="etl",status="SUCCESS"\} 2$/m);
    expect(text).toMatch(/^strata_runs_total\{location="etl",status="FAILURE"\} 1$/m);
    const samples = parseMetrics(text);
    expect(sampleValue(samples, "strata_runs_launched_total", { location: "etl" })).toBe(3);
    // Two steps in each successful run, one in the failed one; its second step failed.
    expect(sampleValue(samples, "strata_steps_total", { location: "etl", status: "SUCCESS" })).toBe(5);
    expect(sampleValue(samples, "strata_steps_total", { location: "etl", status: "FAILURE" })).toBe(1);
    expect(sampleValue(samples, "strata_materializations_total", { location: "etl" })).toBe(5);
    // Every event but RUN_START, which the claim stored: the resend of it is not counted.
    expect(sampleValue(samples, "strata_event_ingest_rows_total", { location: "etl" })).toBe(7 + 7 + 6);
    // The durations the workers reported: 1.5 s twice, 0.9 s once.
    expect(sampleValue(samples, "strata_run_duration_seconds_count", { location: "etl", status: "SUCCESS" })).toBe(2);
    expect(sampleValue(samples, "strata_run_duration_seconds_sum", { location: "etl", status: "SUCCESS" })).toBeCloseTo(3, 5);
    expect(sampleValue(samples, "strata_run_duration_seconds_bucket", { location: "etl", status: "FAILURE", le: "1" })).toBe(1);
    expect(sampleValue(samples, "strata_step_duration_seconds_count", { location: "etl" })).toBe(5);
    expect(sampleValue(samples, "strata_run_launch_to_start_seconds_count", { location: "etl" })).toBe(3);
    expect(sampleValue(samples, "strata_run_launch_to_start_seconds_sum", { location: "etl" })).toBeLessThan(30);
  });

  it("times GraphQL operations by name and type", async () => {
    const samples = parseMetrics(await (await scrape(reader)).text());
    expect(sampleValue(samples, "strata_graphql_request_seconds_count", { operation: "Launch", type: "mutation" })).toBe(3);
    expect(sampleValue(samples, "strata_graphql_request_seconds_count", { operation: "Report", type: "mutation" })).toBe(6);
    // REGISTER is named Register; the heartbeat is one more named operation.
    expect(sampleValue(samples, "strata_graphql_request_seconds_count", { operation: "Register", type: "mutation" })).toBe(1);
    const launchSeconds = sampleValue(samples, "strata_graphql_request_seconds_sum", { operation: "Launch", type: "mutation" })!;
    expect(launchSeconds).toBeGreaterThan(0);
    expect(launchSeconds).toBeLessThan(30);
  });

  it("reads the queue depth and each location's heartbeat age at scrape time", async () => {
    const samples = parseMetrics(await (await scrape(reader)).text());
    expect(sampleValue(samples, "strata_run_queue_depth", { status: "QUEUED" })).toBe(0);
    expect(sampleValue(samples, "strata_run_queue_depth", { status: "STARTING" })).toBe(0);
    const age = sampleValue(samples, "strata_location_heartbeat_age_seconds", { location: "etl" })!;
    expect(age).toBeGreaterThanOrEqual(0);
    expect(age).toBeLessThan(60);
    // The process itself, on this server's own registry.
    expect(sampleValue(samples, "process_cpu_user_seconds_total")).toBeGreaterThan(0);
  });

  it("counts a run the server ends, without a duration when no worker held it", async () => {
    const launched = await gql(`mutation Launch { launchRun(assetKeys: ["a"]) { ... on Run { id } } }`, {}, admin);
    await gql(`mutation Stop($id: ID!) { terminateRun(runId: $id) { ... on Run { status } } }`, { id: launched.launchRun.id }, admin);
    const samples = parseMetrics(await (await scrape(reader)).text());
    expect(sampleValue(samples, "strata_runs_total", { location: "etl", status: "CANCELED" })).toBe(1);
    expect(sampleValue(samples, "strata_steps_total", { location: "etl", status: "CANCELED" })).toBe(1);
    expect(sampleValue(samples, "strata_run_duration_seconds_count", { location: "etl", status: "CANCELED" })).toBeUndefined();
    expect(sampleValue(samples, "strata_runs_launched_total", { location: "etl" })).toBe(4);
  });

  it("counts a run the monitor fails, with its duration and its interrupted and skipped steps", async () => {
    const launched = await gql(`mutation Launch { launchRun(assetKeys: ["a", "b"]) { ... on Run { id } } }`, {}, admin);
    const id = launched.launchRun.id as string;
    await gql(
      `mutation Claim { claimRun(location: "etl", workerId: "w2", waitSeconds: 5) { ... on ClaimRunResult { run { id } } } }`,
      {},
      worker,
    );
    await gql(
      `mutation Report($id: ID!, $e: [RunEventInput!]!) { reportRunEvents(runId: $id, workerId: "w2", events: $e) { __typename } }`,
      { id, e: succeeded(id).slice(0, 2) },
      worker,
    );
    // The worker went silent 30 s into the run.
    await server.db.sql.query(
      `UPDATE "Run" SET "startedAt" = now() - interval '30 seconds', "leaseExpiresAt" = now() - interval '1 second' WHERE id = $1`,
      [id],
    );
    await server.runs.tick();
    const samples = parseMetrics(await (await scrape(reader)).text());
    expect(sampleValue(samples, "strata_runs_total", { location: "etl", status: "FAILURE" })).toBe(2);
    expect(sampleValue(samples, "strata_steps_total", { location: "etl", status: "FAILURE" })).toBe(2);
    expect(sampleValue(samples, "strata_steps_total", { location: "etl", status: "SKIPPED" })).toBe(1);
    expect(sampleValue(samples, "strata_run_duration_seconds_count", { location: "etl", status: "FAILURE" })).toBe(2);
    expect(sampleValue(samples, "strata_run_duration_seconds_bucket", { location: "etl", status: "FAILURE", le: "15" })).toBe(1);
  });

  it("refuses a request without a token, with an invalid one, or with a token lacking `read`", async () => {
    const anonymous = await scrape();
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toBe("Bearer");
    expect(await anonymous.text()).toMatch(/"read" scope, or the server's STRATA_METRICS_TOKEN/);
    const unknown = await scrape("strata_not-a-real-token");
    expect(unknown.status).toBe(401);
    expect(await unknown.text()).toMatch(/Invalid API token/);
    const lacking = await scrape(worker);
    expect(lacking.status).toBe(403);
    expect(await lacking.text()).toMatch(/Token "etl-worker" lacks the "read" scope/);
    expect((await scrape(reader, { method: "POST" })).status).toBe(405);
  });

  it("allows STRATA_METRICS_TOKEN and API tokens that imply `read`", async () => {
    const scraper = await scrape(METRICS_TOKEN);
    expect(scraper.status).toBe(200);
    expect(await scraper.text()).toMatch(/^strata_runs_total\{location="etl",status="SUCCESS"\} 2$/m);
    expect((await scrape(admin)).status).toBe(200);
    expect((await scrape(`${METRICS_TOKEN}x`)).status).toBe(401);
  });
});

describe(`metrics of several servers in one process (${testDialect})`, () => {
  it("keeps each server's counters apart, is open without auth, and bounds operation names", async () => {
    const open = await createTestApp({ auth: "disabled" });
    const other = await createTestApp();
    try {
      for (let i = 0; i < MAX_OPERATION_NAMES + 5; i++) await open.gql(`query Op${i} { health { version } }`, {}, null);
      await open.gql(`{ health { version } }`, {}, null);
      const response = await open.yoga.fetch("http://strata.test/metrics");
      expect(response.status).toBe(200);
      const samples = parseMetrics(await response.text());
      const names = new Set(samples.filter((s) => s.name === "strata_graphql_request_seconds_count").map((s) => s.labels.operation));
      expect(names.size).toBe(MAX_OPERATION_NAMES + 2);
      expect(sampleValue(samples, "strata_graphql_request_seconds_count", { operation: "other" })).toBe(5);
      expect(sampleValue(samples, "strata_graphql_request_seconds_count", { operation: "anonymous" })).toBe(1);
      // The other server saw none of it (its own registry), and requires a token.
      expect((await other.yoga.fetch("http://strata.test/metrics")).status).toBe(401);
      const otherText = await (
        await other.yoga.fetch("http://strata.test/metrics", { headers: { authorization: `Bearer ${other.admin}` } })
      ).text();
      expect(otherText).not.toMatch(/operation="Op0"/);
    } finally {
      await open.close();
      await other.close();
    }
  });
});
