import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runStartPayload } from "../src/testing/events.js";
import { DAILY_JANUARY_UTC, type FixtureCheck, manifestOf, REGISTER } from "../src/testing/manifests.js";
import { createTestApp, type TestApp } from "../src/testing/test-app.js";
import { testDialect } from "../src/testing/test-database.js";

// orders → revenue. orders yields "row_count" in its own step and has "no_nulls" (blocking) in a
// check step of its own; daily is partitioned with a check step "fresh"; plain has no checks.
const ASSETS = [{ key: "orders" }, { key: "revenue", deps: ["orders"] }, { key: "daily", partitions: DAILY_JANUARY_UTC }, { key: "plain" }];
const CHECKS: FixtureCheck[] = [
  { asset: "orders", name: "row_count", description: "at least one row" },
  { asset: "orders", name: "no_nulls", blocking: true, ownStep: true },
  { asset: "daily", name: "fresh", ownStep: true },
];

let app: TestApp;
let worker: string;
beforeAll(async () => {
  app = await createTestApp({ runs: { maxConcurrentRuns: 0, leaseSeconds: 30 } });
  worker = await app.token("location:etl");
  const registered = await app.gql(REGISTER, { name: "etl", ...manifestOf(ASSETS, CHECKS) }, worker);
  expect(registered.data!.registerCodeLocation.__typename).toBe("RegisterCodeLocationSuccess");
});
afterAll(() => app.close());

const LAUNCH = `mutation($keys: [String!], $checks: [String!], $include: Boolean, $partition: String) {
  launchRun(assetKeys: $keys, checkKeys: $checks, includeChecks: $include, partition: $partition) {
    __typename ... on Error { message code } ... on InvalidSelectionError { reason keys }
    ... on Run { id stepKeys assetKeys checkExecutions { checkKey status partition } }
} }`;
const CLAIM = `mutation { claimRun(location: "etl", workerId: "w1") { ... on ClaimRunResult { run { id stepKeys assetKeys } } } }`;
const REPORT = `mutation($id: ID!, $events: [RunEventInput!]!) { reportRunEvents(runId: $id, workerId: "w1", events: $events) {
  __typename ... on RunReport { lastSeq status } ... on Error { message code }
} }`;
const EXECUTION = `id status passed severity partition runId stepKey description metadata { label value } targetMaterialization { id runId partition }`;
const CHECKS_OF = `query($key: String!) { asset(key: $key) { ... on Asset { checkHealth checks {
  key name blocking canExecuteIndividually description
  latestExecution { ${EXECUTION} } executionForLatestMaterialization { ${EXECUTION} }
} } } }`;
const RUN = `query($id: ID!) { run(id: $id) { ... on Run { status failureReason failure { code message }
  checkExecutions { checkKey status passed severity targetMaterialization { id } }
  materializations { id assetKey checkExecutions { checkKey } } } } }`;
const HEALTHY = `query($health: AssetCheckHealth) { assets(checkHealth: $health, first: 100) { totalCount edges { node { key } } } }`;
const REPORT_RESULT = `mutation($key: String!, $passed: Boolean!, $severity: AssetCheckSeverity, $partition: String, $metadata: JSON) {
  reportCheckResult(checkKey: $key, passed: $passed, severity: $severity, partition: $partition, metadata: $metadata, description: "from CI") {
    __typename ... on Error { message code } ... on AssetCheckExecution { ${EXECUTION} }
} }`;

const launch = async (vars: { keys?: string[]; checks?: string[]; include?: boolean; partition?: string }) =>
  (await app.gql(LAUNCH, vars)).data!.launchRun;
const report = async (id: string, events: unknown[]) => (await app.gql(REPORT, { id, events }, worker)).data!.reportRunEvents;
const run = async (id: string) => (await app.gql(RUN, { id })).data!.run;
const checksOf = async (key: string) => (await app.gql(CHECKS_OF, { key })).data!.asset;
const withHealth = async (health: string) =>
  (await app.gql(HEALTHY, { health })).data!.assets.edges.map((e: { node: { key: string } }) => e.node.key);
const settle = () => new Promise((r) => setTimeout(r, 50));

let clock = Date.now();
const ev = (seq: number, type: string, extra: Record<string, unknown> = {}) => ({ seq, type, timestamp: clock++, payload: {}, ...extra });
const evaluation = (seq: number, stepKey: string, checkKey: string, result: Record<string, unknown>) => {
  const [assetKey, checkName] = checkKey.split("#") as [string, string];
  return ev(seq, "ASSET_CHECK_EVALUATION", { stepKey, payload: { checkKey, assetKey, checkName, ...result } });
};
const materialization = (seq: number, assetKey: string, partition: string | null = null) =>
  ev(seq, "ASSET_MATERIALIZATION", { stepKey: assetKey, payload: { assetKey, outputName: "result", partition } });

/** Launches, then claims as worker w1 and reports RUN_START: the run is STARTED. */
async function start(vars: Parameters<typeof launch>[0]) {
  const launched = await launch(vars);
  expect(launched.__typename).toBe("Run");
  await settle();
  const claimed = (await app.gql(CLAIM, {}, worker)).data!.claimRun.run;
  expect(claimed.id).toBe(launched.id);
  await report(launched.id, [ev(1, "RUN_START", { payload: runStartPayload({ ...claimed }) })]);
  return launched;
}

describe(`registering checks (${testDialect})`, () => {
  it("lists an asset's checks, and which can run without materializing it", async () => {
    const orders = await checksOf("orders");
    expect(orders.checkHealth).toBe("NOT_EVALUATED");
    expect(orders.checks.map((c: Record<string, unknown>) => [c.key, c.blocking, c.canExecuteIndividually, c.latestExecution])).toEqual([
      ["orders#no_nulls", true, "CAN_EXECUTE", null],
      ["orders#row_count", false, "REQUIRES_MATERIALIZATION", null],
    ]);
    expect((await checksOf("plain")).checkHealth).toBeNull();
  });

  it("refuses checks of assets the manifest lacks, duplicate keys and steps that do not evaluate them", async () => {
    const bad = manifestOf(ASSETS, CHECKS).manifest as { checks: Record<string, unknown>[] };
    const { manifestHash } = await import("../src/catalog/manifest.js");
    const broken = {
      ...bad,
      checks: [
        ...bad.checks,
        { key: "ghost#x", assetKey: "ghost", name: "x", description: null, blocking: false, stepKey: "ghost" },
        { ...bad.checks[1], name: "wrong", key: "orders#wrong", stepKey: "revenue" },
        bad.checks[2],
      ],
    };
    const result = await app.gql(REGISTER, { name: "etl", manifest: broken, hash: manifestHash(broken) }, worker);
    expect(result.data!.registerCodeLocation.__typename).toBe("InvalidManifestError");
    expect(result.data!.registerCodeLocation.problems.map((p: { path: string }) => p.path)).toEqual([
      "checks.3.assetKey",
      "checks.4.stepKey",
      "checks.5.key",
    ]);
  });
});

describe(`launching with checks (${testDialect})`, () => {
  it("plans an asset's checks with it (one row each, IN_PROGRESS), its in-step ones even without includeChecks", async () => {
    const all = await launch({ keys: ["orders"] });
    expect(all.stepKeys).toEqual(["orders", "orders#no_nulls"]);
    expect(all.checkExecutions).toEqual([
      { checkKey: "orders#no_nulls", status: "IN_PROGRESS", partition: null },
      { checkKey: "orders#row_count", status: "IN_PROGRESS", partition: null },
    ]);
    const inStep = await launch({ keys: ["orders"], include: false });
    expect(inStep.stepKeys).toEqual(["orders"]);
    expect(inStep.checkExecutions.map((e: { checkKey: string }) => e.checkKey)).toEqual(["orders#row_count"]);
    const alone = await launch({ checks: ["orders#no_nulls"] });
    expect(alone).toMatchObject({ stepKeys: ["orders#no_nulls"], assetKeys: [], checkExecutions: [{ checkKey: "orders#no_nulls" }] });
    for (const id of [all.id, inStep.id, alone.id]) await app.gql(`mutation($id: ID!) { terminateRun(runId: $id) { __typename } }`, { id });
    // Canceled before it ran: its checks were skipped.
    expect((await run(all.id)).checkExecutions.map((e: { status: string }) => e.status)).toEqual(["SKIPPED", "SKIPPED"]);
  });

  it("refuses a check its asset evaluates in its own step without the asset, and unknown checks", async () => {
    expect(await launch({ checks: ["orders#row_count"] })).toMatchObject({
      __typename: "InvalidSelectionError",
      reason: "CHECK_REQUIRES_MATERIALIZATION",
      keys: ["orders#row_count"],
    });
    expect(await launch({ checks: ["orders#nope"] })).toMatchObject({ reason: "UNKNOWN_CHECKS", keys: ["orders#nope"] });
    expect(await launch({ checks: ["not a check"] })).toMatchObject({ __typename: "InvalidArgumentError" });
    expect(await launch({ keys: [] })).toMatchObject({ reason: "EMPTY_SELECTION" });
  });
});

describe(`a run's check results (${testDialect})`, () => {
  let materializationId: string;

  it("a blocking check failing with ERROR: results stored, the result yielded first targets its step's materialization, run FAILURE typed", async () => {
    const launched = await start({ keys: ["orders", "revenue"] });
    expect((await run(launched.id)).checkExecutions.map((e: { status: string }) => e.status)).toEqual(["IN_PROGRESS", "IN_PROGRESS"]);
    // write-audit-publish: the in-step result comes before the materialization, in an earlier report.
    expect(
      await report(launched.id, [
        ev(2, "STEP_START", { stepKey: "orders", payload: { retryNumber: 0 } }),
        evaluation(3, "orders", "orders#row_count", { passed: true, metadata: { rows: { type: "int", value: 3 } } }),
      ]),
    ).toMatchObject({ lastSeq: 3 });
    await report(launched.id, [
      materialization(4, "orders"),
      ev(5, "STEP_SUCCESS", { stepKey: "orders", payload: { durationMs: 1, retryNumber: 0 } }),
      ev(6, "STEP_START", { stepKey: "orders#no_nulls", payload: { retryNumber: 0 } }),
      evaluation(7, "orders#no_nulls", "orders#no_nulls", { passed: false, severity: "ERROR", blocking: true, description: "2 nulls" }),
      ev(8, "STEP_SUCCESS", { stepKey: "orders#no_nulls", payload: { durationMs: 1, retryNumber: 0 } }),
      ev(9, "STEP_SKIPPED", { stepKey: "revenue", payload: { reason: "blocked_by_check", missing: [], blockedBy: ["orders#no_nulls"] } }),
    ]);
    expect(
      await report(launched.id, [
        ev(10, "RUN_FAILURE", {
          payload: { durationMs: 9, reason: "BLOCKING_CHECK_FAILED", failedChecks: ["orders#no_nulls"], skippedSteps: ["revenue"] },
        }),
      ]),
    ).toMatchObject({ status: "FAILURE" });
    const ended = await run(launched.id);
    materializationId = ended.materializations[0].id;
    expect(ended).toMatchObject({
      status: "FAILURE",
      failureReason: "Blocking checks failed: orders#no_nulls",
      failure: { code: "BLOCKING_CHECK_FAILED", message: "Blocking checks failed: orders#no_nulls" },
      checkExecutions: [
        {
          checkKey: "orders#no_nulls",
          status: "FAILED",
          passed: false,
          severity: "ERROR",
          targetMaterialization: { id: materializationId },
        },
        {
          checkKey: "orders#row_count",
          status: "SUCCEEDED",
          passed: true,
          severity: "ERROR",
          targetMaterialization: { id: materializationId },
        },
      ],
      materializations: [{ assetKey: "orders", checkExecutions: [{ checkKey: "orders#no_nulls" }, { checkKey: "orders#row_count" }] }],
    });
    const orders = await checksOf("orders");
    expect(orders.checkHealth).toBe("FAILING");
    const rowCount = orders.checks.find((c: { name: string }) => c.name === "row_count");
    expect(rowCount.executionForLatestMaterialization).toMatchObject({
      status: "SUCCEEDED",
      runId: launched.id,
      stepKey: "orders",
      metadata: [{ label: "rows", value: 3 }],
    });
    expect(await withHealth("FAILING")).toEqual(["orders"]);
    expect(await withHealth("PASSING")).toEqual([]);
    expect(await withHealth("NOT_EVALUATED")).toEqual(["daily"]);
  });

  it("after a newer materialization, no execution is for the latest until the check runs again (a run of the check alone)", async () => {
    await app.gql(`mutation { reportMaterialization(assetKey: "orders") { ... on Materialization { id } } }`);
    const before = await checksOf("orders");
    expect(before.checks.map((c: { executionForLatestMaterialization: unknown }) => c.executionForLatestMaterialization)).toEqual([
      null,
      null,
    ]);
    const launched = await start({ checks: ["orders#no_nulls"] });
    expect(
      await report(launched.id, [
        ev(2, "STEP_START", { stepKey: "orders#no_nulls", payload: { retryNumber: 0 } }),
        evaluation(3, "orders#no_nulls", "orders#no_nulls", { passed: true, blocking: true }),
        ev(4, "STEP_SUCCESS", { stepKey: "orders#no_nulls", payload: { durationMs: 1, retryNumber: 0 } }),
        ev(5, "RUN_SUCCESS", { payload: { durationMs: 3 } }),
      ]),
    ).toMatchObject({ status: "SUCCESS" });
    const after = await checksOf("orders");
    const noNulls = after.checks.find((c: { name: string }) => c.name === "no_nulls");
    expect(noNulls.executionForLatestMaterialization).toMatchObject({ status: "SUCCEEDED", runId: launched.id });
    expect(noNulls.executionForLatestMaterialization.targetMaterialization).toMatchObject({ runId: null });
    expect(noNulls.executionForLatestMaterialization.targetMaterialization.id).not.toBe(materializationId);
    // Both checks' latest results passed (row_count's for the older materialization).
    expect(after.checkHealth).toBe("PASSING");
    expect(await withHealth("PASSING")).toEqual(["orders"]);
    expect(await withHealth("FAILING")).toEqual([]);
  });

  it("a check whose run failed before reaching it reads EXECUTION_FAILED, and the health keeps the last result", async () => {
    const launched = await start({ keys: ["orders"] });
    const reported = await report(launched.id, [
      ev(2, "STEP_START", { stepKey: "orders", payload: { retryNumber: 0 } }),
      ev(3, "STEP_FAILURE", {
        stepKey: "orders",
        payload: { retryNumber: 0, userCode: true, error: { name: "Error", message: "boom", stack: null, cause: null } },
      }),
      ev(4, "RUN_FAILURE", {
        payload: { durationMs: 2, reason: "STEP_FAILURE", failedSteps: ["orders"], skippedSteps: ["orders#no_nulls"] },
      }),
    ]);
    expect(reported).toMatchObject({ status: "FAILURE" });
    const ended = await run(launched.id);
    expect(ended.failure).toEqual({ code: "STEP_FAILURE", message: "Steps failed: orders" });
    expect(ended.checkExecutions.map((e: { status: string }) => e.status)).toEqual(["EXECUTION_FAILED", "EXECUTION_FAILED"]);
    expect((await checksOf("orders")).checkHealth).toBe("PASSING");
  });

  it("a check that throws is EXECUTION_FAILED and makes the asset FAILING; results outside the plan are refused", async () => {
    const launched = await start({ checks: ["orders#no_nulls"] });
    const error = { name: "TypeError", message: "x is undefined", stack: null, cause: null };
    expect(await report(launched.id, [evaluation(2, "orders#no_nulls", "plain#nope", { passed: true })])).toMatchObject({
      __typename: "EventOutsidePlanError",
    });
    expect(await report(launched.id, [evaluation(2, "orders#no_nulls", "orders#row_count", { passed: true })])).toMatchObject({
      __typename: "EventOutsidePlanError",
    });
    await report(launched.id, [
      evaluation(2, "orders#no_nulls", "orders#no_nulls", { passed: false, executionFailed: true, error }),
      ev(3, "RUN_FAILURE", { payload: { durationMs: 2, reason: "BLOCKING_CHECK_FAILED", failedChecks: ["orders#no_nulls"] } }),
    ]);
    expect((await run(launched.id)).checkExecutions).toMatchObject([{ status: "EXECUTION_FAILED", passed: false, severity: "ERROR" }]);
    expect((await checksOf("orders")).checkHealth).toBe("FAILING");
    expect(await withHealth("FAILING")).toEqual(["orders"]);
  });

  it("a run terminated while its asset ran: its checks are IN_PROGRESS while it cancels, SKIPPED once its worker reports RUN_CANCELED", async () => {
    const launched = await start({ keys: ["orders"] });
    await report(launched.id, [ev(2, "STEP_START", { stepKey: "orders", payload: { retryNumber: 0 } })]);
    const terminated = await app.gql(`mutation($id: ID!) { terminateRun(runId: $id) { ... on Run { status } } }`, { id: launched.id });
    expect(terminated.data!.terminateRun).toEqual({ status: "CANCELING" });
    expect((await run(launched.id)).checkExecutions.map((e: { status: string }) => e.status)).toEqual(["IN_PROGRESS", "IN_PROGRESS"]);
    const interrupted = { name: "Error", message: "asset orders was interrupted: the run was canceled", stack: null, cause: null };
    expect(
      await report(launched.id, [
        ev(3, "STEP_CANCELED", { stepKey: "orders", payload: { retryNumber: 0, error: interrupted } }),
        ev(4, "RUN_CANCELED", { payload: { durationMs: 3, notStartedSteps: ["orders#no_nulls"] } }),
      ]),
    ).toMatchObject({ status: "CANCELED" });
    const ended = await run(launched.id);
    expect(ended.checkExecutions).toMatchObject([
      { checkKey: "orders#no_nulls", status: "SKIPPED", passed: null },
      { checkKey: "orders#row_count", status: "SKIPPED", passed: null },
    ]);
    // Nothing was evaluated: the health still describes the last results.
    expect((await checksOf("orders")).checkHealth).toBe("FAILING");
  });
});

describe(`a run the server ends (${testDialect})`, () => {
  it("stores the monitor's typed reason, and the run's unrun checks read EXECUTION_FAILED", async () => {
    const launched = await start({ checks: ["orders#no_nulls"] });
    await app.db.sql.query(`UPDATE "Run" SET "leaseExpiresAt" = now() - interval '1 second' WHERE id = $1`, [launched.id]);
    await app.runs.tick();
    const ended = await run(launched.id);
    expect(ended.failure).toMatchObject({ code: "WORKER_LOST" });
    expect(ended.checkExecutions).toMatchObject([{ checkKey: "orders#no_nulls", status: "EXECUTION_FAILED", passed: null }]);
  });
});

describe(`results reported outside runs (${testDialect})`, () => {
  it("record a result for the latest materialization, WARN makes the asset WARNING, and subscribers hear of it", async () => {
    const sub = await app.subscribe(`subscription { assetCheckEvaluated(assetKeys: ["orders"]) { checkKey status severity runId } }`);
    const warned = (await app.gql(REPORT_RESULT, { key: "orders#no_nulls", passed: false, severity: "WARN", metadata: { nulls: 2 } })).data!
      .reportCheckResult;
    expect(warned).toMatchObject({
      __typename: "AssetCheckExecution",
      status: "FAILED",
      passed: false,
      severity: "WARN",
      runId: null,
      description: "from CI",
      metadata: [{ label: "nulls", value: 2 }],
    });
    expect(warned.targetMaterialization).not.toBeNull();
    expect((await sub.next()).data).toEqual({
      assetCheckEvaluated: { checkKey: "orders#no_nulls", status: "FAILED", severity: "WARN", runId: null },
    });
    sub.close();
    expect((await checksOf("orders")).checkHealth).toBe("WARNING");
    expect(await withHealth("WARNING")).toEqual(["orders"]);
    expect(await withHealth("FAILING")).toEqual([]);
  });

  it("refuses unknown checks and tokens that may not report, and accepts the defining location's token", async () => {
    expect((await app.gql(REPORT_RESULT, { key: "orders#nope", passed: true })).data!.reportCheckResult).toMatchObject({
      __typename: "NotFoundError",
    });
    const reader = await app.token("read");
    expect((await app.gql(REPORT_RESULT, { key: "orders#no_nulls", passed: true }, reader)).data!.reportCheckResult).toMatchObject({
      __typename: "UnauthorizedError",
    });
    const own = (await app.gql(REPORT_RESULT, { key: "orders#no_nulls", passed: true }, worker)).data!.reportCheckResult;
    expect(own).toMatchObject({ status: "SUCCEEDED" });
    expect((await checksOf("orders")).checkHealth).toBe("PASSING");
  });
});

describe(`partitioned checks (${testDialect})`, () => {
  it("records a result's partition, targets that partition's materialization, and filters executions by it", async () => {
    const m = await app.gql(
      `mutation { reportMaterialization(assetKey: "daily", partition: "2024-01-02") { ... on Materialization { id } } }`,
    );
    const target = m.data!.reportMaterialization.id;
    await app.gql(`mutation { reportMaterialization(assetKey: "daily", partition: "2024-01-03") { __typename } }`);
    const launched = await start({ checks: ["daily#fresh"], partition: "2024-01-02" });
    expect(launched.checkExecutions).toEqual([{ checkKey: "daily#fresh", status: "IN_PROGRESS", partition: "2024-01-02" }]);
    await report(launched.id, [
      evaluation(2, "daily#fresh", "daily#fresh", { passed: true, partition: "2024-01-02" }),
      ev(3, "RUN_SUCCESS", { payload: { durationMs: 1 } }),
    ]);
    expect(
      (await app.gql(REPORT_RESULT, { key: "daily#fresh", passed: false, partition: "2024-01-03" })).data!.reportCheckResult,
    ).toMatchObject({
      partition: "2024-01-03",
      status: "FAILED",
    });
    expect(
      (await app.gql(REPORT_RESULT, { key: "daily#fresh", passed: true, partition: "2099-01-01" })).data!.reportCheckResult,
    ).toMatchObject({
      __typename: "PartitionKeysNotFoundError",
    });
    const EXECUTIONS = `query($p: String) { assetCheck(key: "daily#fresh") { ... on AssetCheck {
      executions(partition: $p, first: 10) { edges { node { partition status targetMaterialization { id partition } } } } } } }`;
    const byPartition = async (p: string | null) =>
      (await app.gql(EXECUTIONS, { p })).data!.assetCheck.executions.edges.map((e: { node: unknown }) => e.node);
    expect(await byPartition("2024-01-02")).toEqual([
      { partition: "2024-01-02", status: "SUCCEEDED", targetMaterialization: { id: target, partition: "2024-01-02" } },
    ]);
    expect((await byPartition(null)).map((e: { partition: string }) => e.partition)).toEqual(["2024-01-03", "2024-01-02"]);
    expect(await byPartition("2024-01-09")).toEqual([]);
    expect((await checksOf("daily")).checkHealth).toBe("FAILING");
  });
});

describe(`checks over a page of assets (${testDialect})`, () => {
  it("answers each check's executions as the one-asset query does (loaded together, not per check)", async () => {
    const page = await app.gql(`{ assets(first: 100) { edges { node { key checks {
      key latestExecution { id status } executionForLatestMaterialization { id partition } } } } } }`);
    const listed = page.data!.assets.edges.flatMap((e: { node: { checks: unknown[] } }) => e.node.checks);
    const one = [...(await checksOf("daily")).checks, ...(await checksOf("orders")).checks].map((c: Record<string, any>) => ({
      key: c.key,
      latestExecution: c.latestExecution && { id: c.latestExecution.id, status: c.latestExecution.status },
      executionForLatestMaterialization: c.executionForLatestMaterialization && {
        id: c.executionForLatestMaterialization.id,
        partition: c.executionForLatestMaterialization.partition,
      },
    }));
    expect(listed).toEqual(one);
    expect(listed.filter((c: { latestExecution: unknown }) => c.latestExecution).length).toBe(3);
  });
});

describe(`re-registering (${testDialect})`, () => {
  it("replaces the checks: a removed check leaves the asset's health, its history stays", async () => {
    const fewer = manifestOf(
      ASSETS,
      CHECKS.filter((c) => c.name !== "fresh"),
    );
    expect((await app.gql(REGISTER, { name: "etl", ...fewer }, worker)).data!.registerCodeLocation).toMatchObject({ changed: true });
    expect(await checksOf("daily")).toMatchObject({ checkHealth: null, checks: [] });
    expect((await checksOf("orders")).checkHealth).toBe("PASSING");
    expect(await withHealth("PASSING")).toEqual(["orders"]);
    const again = manifestOf(ASSETS, CHECKS);
    await app.gql(REGISTER, { name: "etl", ...again }, worker);
    expect((await checksOf("daily")).checkHealth).toBe("FAILING");
  });
});
