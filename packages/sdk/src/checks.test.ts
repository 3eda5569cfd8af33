import { manifestOf } from "@strata/server/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InvalidSelectionError, NotFoundError, UnauthorizedError } from "./errors.js";
import { startTestServer, type TestServer } from "./testing/test-server.js";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
  await t.client().registerCodeLocation({
    name: "sales",
    ...manifestOf(
      [{ key: "sales/orders" }, { key: "sales/revenue", deps: ["sales/orders"] }, { key: "sales/plain" }],
      [
        { asset: "sales/orders", name: "no_nulls", blocking: true, ownStep: true, description: "no null ids" },
        { asset: "sales/orders", name: "row_count" },
      ],
    ),
  });
  await t.client().reportMaterialization({ assetKey: "sales/orders" });
});
afterAll(() => t.close());

describe("asset checks", () => {
  it("lists an asset's checks and health, reports results, and pages their history", async () => {
    const client = t.client();
    const before = await client.assetChecks("sales/orders");
    expect(before.checkHealth).toBe("NOT_EVALUATED");
    expect(before.checks.map((c) => [c.key, c.blocking, c.canExecuteIndividually, c.latestExecution])).toEqual([
      ["sales/orders#no_nulls", true, "CAN_EXECUTE", null],
      ["sales/orders#row_count", false, "REQUIRES_MATERIALIZATION", null],
    ]);
    const failed = await client.reportCheckResult({ checkKey: "sales/orders#no_nulls", passed: false, metadata: { null_rows: 2 } });
    expect(failed).toMatchObject({ status: "FAILED", passed: false, severity: "ERROR", runId: null });
    expect(failed.metadata).toEqual([{ label: "null_rows", type: "int", value: 2 }]);
    expect(failed.targetMaterialization).not.toBeNull();
    await client.reportCheckResult({ checkKey: "sales/orders#row_count", passed: true, severity: "WARN", description: "3 rows" });
    const after = await client.assetChecks("sales/orders");
    expect(after.checkHealth).toBe("FAILING");
    expect(after.checks[0]!.executionForLatestMaterialization?.id).toBe(failed.id);
    expect((await client.assets({ checkHealth: "FAILING" })).items.map((a) => [a.key, a.checkHealth])).toEqual([
      ["sales/orders", "FAILING"],
    ]);
    expect((await client.assets({ checkHealth: "PASSING" })).items).toEqual([]);
    await client.reportCheckResult({ checkKey: "sales/orders#no_nulls", passed: true });
    const first = await client.checkExecutions("sales/orders#no_nulls", { first: 1 });
    expect(first.items.map((e) => e.status)).toEqual(["SUCCEEDED"]);
    expect(first.hasNextPage).toBe(true);
    const second = await client.checkExecutions("sales/orders#no_nulls", { first: 1, after: first.endCursor });
    expect(second.items.map((e) => e.id)).toEqual([failed.id]);
    expect((await client.assetChecks("sales/orders")).checkHealth).toBe("PASSING");
  });

  it("launches a run of a check alone, and refuses one the asset evaluates in its own step", async () => {
    const client = t.client();
    const run = await client.launchRun({ checkKeys: ["sales/orders#no_nulls"] });
    expect(run).toMatchObject({ stepKeys: ["sales/orders#no_nulls"], assetKeys: [], failure: null });
    const inStep = await client.launchRun({ checkKeys: ["sales/orders#row_count"] }).catch((e: unknown) => e);
    expect(inStep).toBeInstanceOf(InvalidSelectionError);
    expect(inStep).toMatchObject({ reason: "CHECK_REQUIRES_MATERIALIZATION", keys: ["sales/orders#row_count"] });
    const withoutChecks = await client.launchRun({ assetKeys: ["sales/orders"], includeChecks: false });
    expect(withoutChecks.stepKeys).toEqual(["sales__orders"]);
  });

  it("throws typed errors for unknown checks and tokens that may not report", async () => {
    await expect(t.client().assetChecks("sales/nope")).rejects.toBeInstanceOf(NotFoundError);
    await expect(t.client().checkExecutions("sales/orders#nope")).rejects.toBeInstanceOf(NotFoundError);
    await expect(t.client().reportCheckResult({ checkKey: "sales/orders#nope", passed: true })).rejects.toBeInstanceOf(NotFoundError);
    const reader = t.client({ token: await t.token("read") });
    await expect(reader.reportCheckResult({ checkKey: "sales/orders#no_nulls", passed: true })).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it("streams new results of the given assets", async () => {
    const client = t.client();
    let connected!: () => void;
    const open = new Promise<void>((resolve) => (connected = resolve));
    const live = client.assetCheckEvaluated({ assetKeys: ["sales/orders"] }, { onStatus: (s) => s.state === "connected" && connected() });
    const next = live.next();
    await open;
    await client.reportCheckResult({ checkKey: "sales/orders#row_count", passed: false, severity: "WARN" });
    expect((await next).value).toMatchObject({ checkKey: "sales/orders#row_count", status: "FAILED", severity: "WARN" });
    live.close();
  });
});
