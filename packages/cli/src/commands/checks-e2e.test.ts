import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, startCli, type RunningCli } from "../testing/run-cli.js";
import { startTestServer, workDirectory, type TestServer } from "../testing/test-server.js";

/**
 * Asset checks end to end: a real server on a port and a real `strata location serve` process.
 * `sales/orders` audits itself before its output (write-audit-publish: "has_rows") and has a
 * blocking check step of its own ("no_nulls") that finds a null id; `sales/revenue` reads it.
 */
const DEFS = `
import { asset, assetCheck, checkResult, checkSpec, Definitions, output } from "@strata/definitions";

type Order = { id: number | null; total: number };
export const orders = asset("orders", { keyPrefix: "sales", checks: [checkSpec("has_rows")] }, async function* () {
  const rows: Order[] = [{ id: 1, total: 10 }, { id: null, total: 5 }];
  yield checkResult("has_rows", { passed: rows.length > 0, metadata: { rows: rows.length } });
  yield output(rows);
});
export const revenue = asset("revenue", { keyPrefix: "sales", ins: { orders } }, ({ orders }) => orders.reduce((s, o) => s + o.total, 0));
export const noNulls = assetCheck(orders, { name: "no_nulls", blocking: true }, (orders) => ({
  passed: orders.every((o) => o.id !== null),
  metadata: { null_rows: orders.filter((o) => o.id === null).length },
}));
export default new Definitions({ assets: [orders, revenue], checks: [noNulls] });
`;

let t: TestServer;
let work: ReturnType<typeof workDirectory>;
let location: RunningCli;

beforeAll(async () => {
  t = await startTestServer();
  work = workDirectory();
  writeFileSync(join(work.dir, "defs.ts"), DEFS);
  location = startCli(["location", "serve", "defs.ts", "--name", "sales", "--server", t.url, "--token", await t.token("location:sales")], {
    cwd: work.dir,
  });
  await location.waitFor(/Registered version 1 of sales/);
}, 180_000);
afterAll(async () => {
  await location?.stop();
  await t?.close();
  work?.remove();
});

describe("asset checks with a real server and a real code location", () => {
  it("a blocking check failing with ERROR: revenue skipped, run FAILURE BLOCKING_CHECK_FAILED, results stored and targeted, health FAILING", async () => {
    const launched = await t.client.launchRun({ assetKeys: ["sales/orders", "sales/revenue"] });
    await expect.poll(async () => (await t.client.run(launched.id)).endedAt, { timeout: 120_000, interval: 200 }).not.toBeNull();
    const run = await t.client.run(launched.id);
    expect(run).toMatchObject({ status: "FAILURE", failure: { code: "BLOCKING_CHECK_FAILED" } });
    expect(run.steps.find((s) => s.stepKey === "sales/revenue")?.status).toBe("SKIPPED");
    const { checkHealth, checks } = await t.client.assetChecks("sales/orders");
    expect(checkHealth).toBe("FAILING");
    const materialization = run.materializations.find((m) => m.assetKey === "sales/orders");
    expect(
      checks.map((c) => [
        c.key,
        c.latestExecution?.status,
        c.latestExecution?.runId,
        c.executionForLatestMaterialization?.targetMaterialization?.id,
      ]),
    ).toEqual([
      ["sales/orders#has_rows", "SUCCEEDED", launched.id, materialization?.id],
      ["sales/orders#no_nulls", "FAILED", launched.id, materialization?.id],
    ]);
    expect(checks[1]!.latestExecution?.metadata).toEqual([{ label: "null_rows", type: "int", value: 1 }]);
    expect((await t.client.assets({ checkHealth: "FAILING" })).items.map((a) => a.key)).toEqual(["sales/orders"]);
    // FROM_ASSET_FAILURE runs the asset a blocking check failed again, with its checks and what they blocked.
    const retry = await t.client.reexecuteRun({ runId: launched.id, strategy: "FROM_ASSET_FAILURE" });
    expect(retry.stepKeys).toEqual(["sales/orders", "sales/orders#no_nulls", "sales/revenue"]);
  }, 180_000);

  it("strata checks run --wait runs the check step alone on the stored value and exits with the run's outcome", async () => {
    const as = ["--server", t.url, "--token", await t.token("read", "launch")];
    const { code, stdout } = await runCli(["checks", "run", "sales/orders#no_nulls", "--wait", ...as], { timeoutMs: 120_000 });
    expect(stdout).toMatch(/Launched run \S+: 1 check of code location "sales"/);
    expect(code).toBe(1);
    const { checks } = await t.client.assetChecks("sales/orders");
    const noNulls = checks.find((c) => c.name === "no_nulls")!;
    expect(noNulls.latestExecution).toMatchObject({ status: "FAILED", stepKey: "sales/orders#no_nulls" });
    expect(noNulls.latestExecution?.runId).not.toBeNull();
  }, 180_000);
});
