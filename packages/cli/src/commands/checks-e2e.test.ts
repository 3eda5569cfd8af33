import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { AssetCheck, RunDetail } from "@strata/sdk";
import { describe, expect, it } from "vitest";
import { runCli } from "../testing/run-cli.js";
import { useLocationFixture } from "../testing/location-fixture.js";

/**
 * Asset checks end to end (issue 12's acceptance scenarios): a real server on a port and one real
 * `strata location serve` process for every scenario. Each scenario has assets of its own, named
 * by a key prefix, so that runs do not disturb each other's health:
 * - `<scenario>/orders` has an order with a null id until the file `<scenario>.fixed` exists next
 *   to defs.ts, and `<scenario>/revenue` reads it; `<scenario>/orders#no_nulls` finds the null id
 *   (lenient: not blocking; strict: blocking; warned: blocking, severity WARN), or throws
 *   (fragile: blocking; shaky: not blocking);
 * - `split` yields `split/good` and `split/bad`, each with a blocking check `positive`, read by
 *   `from_good` and `from_bad`;
 * - `audited` evaluates `has_rows` in its own step, before its output (write-audit-publish);
 * - `slow` takes a minute unless its run is terminated, and has a check step `finished`.
 */
const DEFS = `
import { existsSync } from "node:fs";
import { join } from "node:path";
import { AssetOut, asset, assetCheck, checkResult, checkSpec, Definitions, multiAsset, output } from "@strata/definitions";

type Order = { id: number | null; total: number };
const fixed = (scenario: string) => existsSync(join(import.meta.dirname, scenario + ".fixed"));

function scenario(name: string, check: { blocking: boolean; severity?: "WARN" | "ERROR"; throws?: boolean }) {
  const orders = asset("orders", { keyPrefix: name }, (): Order[] => [{ id: 1, total: 10 }, { id: fixed(name) ? 2 : null, total: 5 }]);
  const revenue = asset("revenue", { keyPrefix: name, ins: { orders } }, ({ orders }) => orders.reduce((s, o) => s + o.total, 0));
  const noNulls = assetCheck(orders, { name: "no_nulls", blocking: check.blocking }, (orders) => {
    if (check.throws) throw new Error("warehouse unreachable");
    const nulls = orders.filter((o) => o.id === null).length;
    return { passed: nulls === 0, severity: check.severity ?? "ERROR", metadata: { null_rows: nulls } };
  });
  return { assets: [orders, revenue], check: noNulls };
}
const scenarios = [
  scenario("lenient", { blocking: false }),
  scenario("strict", { blocking: true }),
  scenario("warned", { blocking: true, severity: "WARN" }),
  scenario("fragile", { blocking: true, throws: true }),
  scenario("shaky", { blocking: false, throws: true }),
];

export const split = multiAsset(
  { name: "split", outs: { good: new AssetOut<number[]>({ keyPrefix: "split" }), bad: new AssetOut<number[]>({ keyPrefix: "split" }) } },
  () => ({ good: [1, 2], bad: [-1] }),
);
const positive = (name: "good" | "bad") =>
  assetCheck(split.out[name], { name: "positive", blocking: true }, (values) => values.every((n) => n > 0));
export const fromGood = asset("from_good", { ins: { good: split.out.good } }, ({ good }) => good.length);
export const fromBad = asset("from_bad", { ins: { bad: split.out.bad } }, ({ bad }) => bad.length);

export const audited = asset("audited", { checks: [checkSpec("has_rows")] }, async function* () {
  const rows = [1, 2, 3];
  yield checkResult("has_rows", { passed: rows.length > 0, metadata: { rows: rows.length } });
  yield output(rows);
});

export const slow = asset("slow", (_ins, ctx) => new Promise<number>((resolve) => {
  const timer = setTimeout(() => resolve(1), 60_000);
  ctx.signal.addEventListener("abort", () => clearTimeout(timer));
}));
const finished = assetCheck(slow, { name: "finished" }, (value) => value === 1);

export default new Definitions({
  assets: [...scenarios.flatMap((s) => s.assets), split, fromGood, fromBad, audited, slow],
  checks: [...scenarios.map((s) => s.check), positive("good"), positive("bad"), finished],
});
`;

const { server: t, work } = useLocationFixture("checks", DEFS);

/** Launches a run of `assetKeys` (with their checks) and waits for it to end. */
async function runToEnd(assetKeys: string[]): Promise<RunDetail> {
  const { id } = await t.client.launchRun({ assetKeys });
  return ended(id);
}

async function ended(runId: string): Promise<RunDetail> {
  await expect.poll(async () => (await t.client.run(runId)).endedAt, { timeout: 120_000, interval: 100 }).not.toBeNull();
  return t.client.run(runId);
}

const stepStatus = (run: RunDetail, stepKey: string) => run.steps.find((s) => s.stepKey === stepKey)?.status;
const materialized = (run: RunDetail) => run.materializations.map((m) => m.assetKey).sort();
const materializationOf = (run: RunDetail, assetKey: string) => run.materializations.find((m) => m.assetKey === assetKey)?.id;

/** The messages of a run's STEP_SKIPPED events, by step. */
async function skipMessages(runId: string): Promise<Record<string, string | null | undefined>> {
  const log = await t.client.runLog(runId);
  return Object.fromEntries(log.filter((e) => e.type === "STEP_SKIPPED").map((e) => [e.stepKey, e.message]));
}

async function check(checkKey: string): Promise<AssetCheck & { health: string | null }> {
  const { checkHealth, checks } = await t.client.assetChecks(checkKey.split("#")[0]!);
  const found = checks.find((c) => c.key === checkKey);
  if (!found) throw new Error(`no check ${checkKey} among ${checks.map((c) => c.key).join(", ")}`);
  return { ...found, health: checkHealth };
}

describe("a check failing with ERROR", () => {
  it("not blocking: downstream still materializes, the run succeeds, and the asset's check health is FAILING", async () => {
    const run = await runToEnd(["lenient/orders", "lenient/revenue"]);
    expect(run).toMatchObject({ status: "SUCCESS", failure: null });
    expect(materialized(run)).toEqual(["lenient/orders", "lenient/revenue"]);
    const noNulls = await check("lenient/orders#no_nulls");
    expect(noNulls.health).toBe("FAILING");
    expect(noNulls.latestExecution).toMatchObject({ status: "FAILED", severity: "ERROR", passed: false, runId: run.id });
    expect(noNulls.latestExecution?.metadata).toEqual([{ label: "null_rows", type: "int", value: 1 }]);
    expect((await t.client.assets({ checkHealth: "FAILING" })).items.map((a) => a.key)).toContain("lenient/orders");
  }, 180_000);

  it("blocking: downstream skipped naming the check, run FAILURE BLOCKING_CHECK_FAILED, the asset's materialization kept; FROM_ASSET_FAILURE re-runs asset, check and downstream", async () => {
    const run = await runToEnd(["strict/orders", "strict/revenue"]);
    expect(run).toMatchObject({ status: "FAILURE", failure: { code: "BLOCKING_CHECK_FAILED" } });
    expect(run.failure?.message).toContain("strict/orders#no_nulls");
    expect(stepStatus(run, "strict/revenue")).toBe("SKIPPED");
    expect((await skipMessages(run.id))["strict/revenue"]).toContain("blocked by check strict/orders#no_nulls");
    // The checked asset's materialization is kept, and it is what the check evaluated.
    expect(materialized(run)).toEqual(["strict/orders"]);
    const failed = await check("strict/orders#no_nulls");
    expect(failed.health).toBe("FAILING");
    expect(failed.latestExecution).toMatchObject({ status: "FAILED", severity: "ERROR", runId: run.id });
    expect(failed.latestExecution?.targetMaterialization?.id).toBe(materializationOf(run, "strict/orders"));
    const { items: strictAssets } = await t.client.assets({ checkHealth: "FAILING" });
    expect(strictAssets.map((a) => a.key)).toContain("strict/orders");

    // Unchanged data: the re-execution fails the same way.
    const again = await t.client.reexecuteRun({ runId: run.id, strategy: "FROM_ASSET_FAILURE" });
    expect(again.stepKeys).toEqual(["strict/orders", "strict/orders#no_nulls", "strict/revenue"]);
    expect(await ended(again.id)).toMatchObject({ status: "FAILURE", failure: { code: "BLOCKING_CHECK_FAILED" } });

    // The data fixed: asset, check and downstream run again, and the run succeeds.
    writeFileSync(join(work.dir, "strict.fixed"), "");
    const retry = await t.client.reexecuteRun({ runId: again.id, strategy: "FROM_ASSET_FAILURE" });
    expect(retry.stepKeys).toEqual(["strict/orders", "strict/orders#no_nulls", "strict/revenue"]);
    const fixed = await ended(retry.id);
    expect(fixed).toMatchObject({ status: "SUCCESS", failure: null, parentRunId: again.id, rootRunId: run.id });
    expect(fixed.steps.map((s) => [s.stepKey, s.status])).toEqual([
      ["strict/orders", "SUCCESS"],
      ["strict/orders#no_nulls", "SUCCESS"],
      ["strict/revenue", "SUCCESS"],
    ]);
    expect(materialized(fixed)).toEqual(["strict/orders", "strict/revenue"]);
    const passed = await check("strict/orders#no_nulls");
    expect(passed.health).toBe("PASSING");
    expect(passed.executionForLatestMaterialization).toMatchObject({ status: "SUCCEEDED", runId: retry.id });
    expect(passed.executionForLatestMaterialization?.targetMaterialization?.id).toBe(materializationOf(fixed, "strict/orders"));
  }, 240_000);
});

it("a blocking check failing with WARN blocks nothing: downstream runs, the run succeeds, the health is WARNING", async () => {
  const run = await runToEnd(["warned/orders", "warned/revenue"]);
  expect(run).toMatchObject({ status: "SUCCESS", failure: null });
  expect(materialized(run)).toEqual(["warned/orders", "warned/revenue"]);
  const noNulls = await check("warned/orders#no_nulls");
  expect(noNulls.latestExecution).toMatchObject({ status: "FAILED", severity: "WARN", passed: false });
  expect(noNulls.health).toBe("WARNING");
}, 180_000);

it("a check that throws is EXECUTION_FAILED, and blocks downstream only when it is blocking", async () => {
  const run = await runToEnd(["fragile/orders", "fragile/revenue", "shaky/orders", "shaky/revenue"]);
  expect(run).toMatchObject({ status: "FAILURE", failure: { code: "BLOCKING_CHECK_FAILED" } });
  expect(run.failure?.message).toContain("fragile/orders#no_nulls");
  expect(stepStatus(run, "fragile/orders#no_nulls")).toBe("FAILURE");
  expect(stepStatus(run, "shaky/orders#no_nulls")).toBe("FAILURE");
  expect(stepStatus(run, "fragile/revenue")).toBe("SKIPPED");
  expect((await skipMessages(run.id))["fragile/revenue"]).toContain("blocked by check fragile/orders#no_nulls");
  expect(materialized(run)).toEqual(["fragile/orders", "shaky/orders", "shaky/revenue"]);
  for (const key of ["fragile/orders#no_nulls", "shaky/orders#no_nulls"]) {
    const thrown = await check(key);
    expect(thrown.latestExecution).toMatchObject({ status: "EXECUTION_FAILED", passed: false, severity: "ERROR", runId: run.id });
    expect(thrown.latestExecution?.description).toContain("warehouse unreachable");
    expect(thrown.health).toBe("FAILING");
  }
}, 180_000);

it("a blocking check on one output of a multi-asset skips only that output's consumers", async () => {
  const run = await runToEnd(["split/good", "split/bad", "from_good", "from_bad"]);
  expect(run).toMatchObject({ status: "FAILURE", failure: { code: "BLOCKING_CHECK_FAILED" } });
  expect(stepStatus(run, "from_good")).toBe("SUCCESS");
  expect(stepStatus(run, "from_bad")).toBe("SKIPPED");
  expect(await skipMessages(run.id)).toEqual({ from_bad: expect.stringContaining("blocked by check split/bad#positive") });
  expect(materialized(run)).toEqual(["from_good", "split/bad", "split/good"]);
  expect((await check("split/good#positive")).latestExecution?.status).toBe("SUCCEEDED");
  expect((await check("split/bad#positive")).latestExecution?.status).toBe("FAILED");
}, 180_000);

it("a result yielded in the step before the output targets that step's materialization; a newer materialization has none until the check runs again", async () => {
  const first = await runToEnd(["audited"]);
  expect(first.status).toBe("SUCCESS");
  const order = (await t.client.runLog(first.id))
    .map((e) => e.type)
    .filter((type) => type === "ASSET_CHECK_EVALUATION" || type === "ASSET_MATERIALIZATION");
  expect(order).toEqual(["ASSET_CHECK_EVALUATION", "ASSET_MATERIALIZATION"]);
  const evaluated = await check("audited#has_rows");
  expect(evaluated.latestExecution).toMatchObject({ status: "SUCCEEDED", runId: first.id, stepKey: "audited" });
  expect(evaluated.latestExecution?.targetMaterialization?.id).toBe(materializationOf(first, "audited"));
  expect(evaluated.executionForLatestMaterialization?.id).toBe(evaluated.latestExecution?.id);

  // A materialization from outside the run: nothing has checked it yet.
  const external = await t.client.reportMaterialization({ assetKey: "audited" });
  const stale = await check("audited#has_rows");
  expect(stale.executionForLatestMaterialization).toBeNull();
  expect(stale.latestExecution?.id).toBe(evaluated.latestExecution?.id);
  expect(stale.latestExecution?.targetMaterialization?.id).not.toBe(external.id);

  const second = await runToEnd(["audited"]);
  const again = await check("audited#has_rows");
  expect(again.executionForLatestMaterialization).toMatchObject({ status: "SUCCEEDED", runId: second.id });
  expect(again.executionForLatestMaterialization?.targetMaterialization?.id).toBe(materializationOf(second, "audited"));
}, 180_000);

it("a check its run never reached because the run was terminated reads SKIPPED", async () => {
  const { id } = await t.client.launchRun({ assetKeys: ["slow"] });
  await expect.poll(async () => stepStatus(await t.client.run(id), "slow"), { timeout: 120_000, interval: 100 }).toBe("RUNNING");
  const planned = await check("slow#finished");
  expect(planned.latestExecution).toMatchObject({ status: "IN_PROGRESS", runId: id });
  await t.client.terminateRun(id);
  const run = await ended(id);
  expect(run.status).toBe("CANCELED");
  expect(stepStatus(run, "slow")).toBe("CANCELED");
  // The check step never started, and ended with its run.
  expect(run.steps.find((s) => s.stepKey === "slow#finished")).toMatchObject({ status: "CANCELED", startedAt: null });
  const finished = await check("slow#finished");
  expect(finished.latestExecution).toMatchObject({ status: "SKIPPED", passed: null, runId: id });
  expect(finished.health).toBe("NOT_EVALUATED");
}, 180_000);

it("strata checks run --wait runs the check step alone on the stored value and exits with the run's outcome", async () => {
  // split/bad is stored as [-1] (the multi-asset test materialized it), and its check blocks.
  const as = await t.as("read", "launch");
  const { code, stdout } = await runCli(["checks", "run", "split/bad#positive", "--wait", ...as]);
  expect(stdout).toMatch(/Launched run \S+: 1 check of code location "checks"/);
  expect(code).toBe(1);
  const positive = await check("split/bad#positive");
  expect(positive.latestExecution).toMatchObject({ status: "FAILED", stepKey: "split/bad#positive" });
  const runId = positive.latestExecution?.runId;
  expect((await t.client.run(runId!)).stepKeys).toEqual(["split/bad#positive"]);
}, 180_000);
