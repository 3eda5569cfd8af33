import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningCli, startCli } from "../testing/run-cli.js";
import { startTestServer, type TestServer, workDirectory } from "../testing/test-server.js";

/**
 * Asset checks end to end: a real server on a port and a real `strata location serve` process
 * running the definitions below, driven through GraphQL.
 *
 * - `sales/orders` yields an in-step WARN check `has_rows` before its output (write-audit-publish)
 *   and has a blocking check step `no_nulls`; it writes a null id while the file `nulls` exists.
 * - `sales/revenue` reads `sales/orders`.
 */
const DEFS = `
import { existsSync } from "node:fs";
import { join } from "node:path";
import { asset, AssetOut, assetCheck, checkResult, checkSpec, Definitions, FilesystemIOManager, multiAsset, output } from "@strata/definitions";

const here = (name: string) => join(import.meta.dirname, name);

export const orders = asset(
  { key: "sales/orders", checks: [checkSpec("has_rows", { description: "at least one order" })] },
  async function* () {
    const rows = existsSync(here("nulls")) ? [{ id: 1 }, { id: null }] : [{ id: 1 }, { id: 2 }];
    yield checkResult("has_rows", { passed: rows.length > 0, severity: "WARN", metadata: { rows: rows.length } });
    yield output(rows);
  },
);
export const revenue = asset({ key: "sales/revenue", ins: { orders } }, ({ orders }) => orders.length);
export const noNulls = assetCheck(orders, { name: "no_nulls", blocking: true, description: "every order has an id" }, (rows) => ({
  passed: rows.every((r) => r.id !== null),
  metadata: { nulls: rows.filter((r) => r.id === null).length },
}));

// One blocking check per out of a multi-asset; only "bad" fails it.
export const split = multiAsset({ name: "split", outs: { good: new AssetOut<number[]>(), bad: new AssetOut<number[]>() } }, () => ({
  good: [1, 2],
  bad: [-1],
}));
const positive = (out: "good" | "bad") =>
  assetCheck(split.out[out], { name: "positive", blocking: true }, (values) => values.every((n) => n > 0));
export const fromGood = asset({ key: "from_good", ins: { good: split.out.good } }, ({ good }) => good.length);
export const fromBad = asset({ key: "from_bad", ins: { bad: split.out.bad } }, ({ bad }) => bad.length);

export default new Definitions({
  assets: [orders, revenue, split, fromGood, fromBad],
  checks: [noNulls, positive("good"), positive("bad")],
  ioManagers: { io_manager: new FilesystemIOManager({ baseDir: here("storage") }) },
});
`;

let t: TestServer;
let work: ReturnType<typeof workDirectory>;
let location: RunningCli;

async function gql<T = any>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const response = await fetch(t.url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${t.admin}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data!;
}

const RUN = `query($id: ID!) { run(id: $id) { ... on Run { id status failure { code message } steps { stepKey status }
  checkExecutions { checkKey status passed severity } } } }`;
const CHECKS = `query { asset(key: "sales/orders") { ... on Asset { checkHealth checks { key blocking latestExecution { status passed severity runId }
  executionForLatestMaterialization { status runId targetMaterialization { runId } } } } } }`;

/** The run once it has ended, polled every 100 ms. */
async function ended(runId: string) {
  await expect
    .poll(async () => (await gql(RUN, { id: runId })).run.status, { timeout: 120_000, interval: 100 })
    .toMatch(/^(SUCCESS|FAILURE|CANCELED)$/);
  return (await gql(RUN, { id: runId })).run;
}
const stepStatus = (run: { steps: { stepKey: string; status: string }[] }) =>
  Object.fromEntries(run.steps.map((s) => [s.stepKey, s.status]));

beforeAll(async () => {
  t = await startTestServer();
  work = workDirectory();
  writeFileSync(join(work.dir, "defs.ts"), DEFS);
  location = startCli(["location", "serve", "defs.ts", "--name", "sales", "--server", t.url, "--token", await t.token("location:sales")], {
    cwd: work.dir,
  });
  await location.waitFor(/Registered version 1 of sales/, { timeoutMs: 60_000 });
}, 180_000);
afterAll(async () => {
  await location?.stop();
  await t?.close();
  work?.remove();
});

describe("asset checks with a real server and a real code location", () => {
  it("a failing blocking check skips revenue, keeps orders' materialization and fails the run with its typed reason; FROM_ASSET_FAILURE runs asset, check and revenue again", async () => {
    writeFileSync(join(work.dir, "nulls"), "");
    const launched = await gql(`mutation { launchRun(assetKeys: ["sales/orders", "sales/revenue"]) { __typename ... on Run { id } } }`);
    const failed = await ended(launched.launchRun.id);
    expect(failed.status).toBe("FAILURE");
    expect(failed.failure.code).toBe("BLOCKING_CHECK_FAILED");
    expect(stepStatus(failed)).toEqual({ "sales/orders": "SUCCESS", "sales/orders#no_nulls": "SUCCESS", "sales/revenue": "SKIPPED" });
    expect(failed.checkExecutions).toEqual(
      expect.arrayContaining([
        { checkKey: "sales/orders#no_nulls", status: "FAILED", passed: false, severity: "ERROR" },
        { checkKey: "sales/orders#has_rows", status: "SUCCEEDED", passed: true, severity: "WARN" },
      ]),
    );
    const materialized = await gql(`query { a: asset(key: "sales/orders") { ... on Asset { latestMaterialization { runId } } }
      b: asset(key: "sales/revenue") { ... on Asset { latestMaterialization { runId } } } }`);
    expect(materialized.a.latestMaterialization.runId).toBe(failed.id);
    expect(materialized.b.latestMaterialization).toBeNull();
    let checks = (await gql(CHECKS)).asset;
    expect(checks.checkHealth).toBe("FAILING");

    rmSync(join(work.dir, "nulls"));
    const again = await gql(
      `mutation($id: ID!) { reexecuteRun(runId: $id, strategy: FROM_ASSET_FAILURE) { __typename ... on Run { id } } }`,
      {
        id: failed.id,
      },
    );
    const child = await ended(again.reexecuteRun.id);
    expect(child.status).toBe("SUCCESS");
    expect(Object.keys(stepStatus(child)).sort()).toEqual(["sales/orders", "sales/orders#no_nulls", "sales/revenue"]);
    checks = (await gql(CHECKS)).asset;
    expect(checks.checkHealth).toBe("PASSING");
    const noNulls = checks.checks.find((c: { key: string }) => c.key === "sales/orders#no_nulls");
    expect(noNulls).toMatchObject({
      blocking: true,
      latestExecution: { status: "SUCCEEDED", runId: child.id },
      executionForLatestMaterialization: { status: "SUCCEEDED", targetMaterialization: { runId: child.id } },
    });
  }, 240_000);

  it("a check run alone reads the stored value; the in-step check cannot run alone", async () => {
    const alone = await gql(`mutation { launchRun(checkKeys: ["sales/orders#no_nulls"]) { __typename ... on Run { id } } }`);
    const run = await ended(alone.launchRun.id);
    expect(run.status).toBe("SUCCESS");
    expect(stepStatus(run)).toEqual({ "sales/orders#no_nulls": "SUCCESS" });
    const refused = await gql(`mutation { launchRun(checkKeys: ["sales/orders#has_rows"]) { __typename ... on Error { message } } }`);
    expect(refused.launchRun.__typename).not.toBe("Run");
    expect(refused.launchRun.message).toMatch(/materialize/i);
  }, 120_000);

  it("a blocking check on one out of a multi-asset skips only that out's consumers", async () => {
    const launched = await gql(
      `mutation { launchRun(assetKeys: ["good", "bad", "from_good", "from_bad"]) { __typename ... on Run { id } } }`,
    );
    const run = await ended(launched.launchRun.id);
    expect(run.status).toBe("FAILURE");
    expect(run.failure.code).toBe("BLOCKING_CHECK_FAILED");
    expect(stepStatus(run)).toEqual({
      split: "SUCCESS",
      "good#positive": "SUCCESS",
      "bad#positive": "SUCCESS",
      from_good: "SUCCESS",
      from_bad: "SKIPPED",
    });
    const health = await gql(
      `query { good: asset(key: "good") { ... on Asset { checkHealth } } bad: asset(key: "bad") { ... on Asset { checkHealth } } }`,
    );
    expect([health.good.checkHealth, health.bad.checkHealth]).toEqual(["PASSING", "FAILING"]);
  }, 120_000);
});
