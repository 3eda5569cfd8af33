import { manifestOf } from "@strata/server/testing";
import { describe, expect, it } from "vitest";
import { runCli, runCliOk } from "../testing/run-cli.js";
import { useTestServer } from "../testing/test-server.js";

const t = useTestServer(async () => {
  await t.client.registerCodeLocation({
    name: "sales",
    ...manifestOf(
      [{ key: "sales/orders" }, { key: "sales/revenue", deps: ["sales/orders"] }, { key: "sales/plain" }],
      [
        { asset: "sales/orders", name: "no_nulls", blocking: true, ownStep: true },
        { asset: "sales/orders", name: "row_count" },
        { asset: "sales/revenue", name: "positive", ownStep: true },
      ],
    ),
  });
  await t.client.reportMaterialization({ assetKey: "sales/orders" });
  await t.client.reportCheckResult({ checkKey: "sales/orders#no_nulls", passed: false, metadata: { null_rows: 2 } });
  await t.client.reportCheckResult({ checkKey: "sales/revenue#positive", passed: false, severity: "WARN" });
});
const as = () => ["--server", t.url, "--token", t.admin];

describe("strata checks list", () => {
  it("prints an asset's checks: blocking, latest result, severity and when, then its health", async () => {
    const { lines } = await runCliOk(["checks", "list", "sales/orders", ...as()]);
    expect(lines[0]).toMatch(/^CHECK\s+BLOCKING\s+LATEST\s+SEVERITY\s+WHEN$/);
    expect(lines[1]).toMatch(/^sales\/orders#no_nulls\s+yes\s+FAILED\s+ERROR\s+just now$/);
    expect(lines[2]).toMatch(/^sales\/orders#row_count\s+no\s+never run$/);
    expect(lines.at(-1)).toBe("sales/orders: FAILING");
  });

  it("without an asset, lists every asset that has checks, failing ones first", async () => {
    const { stdout } = await runCliOk(["checks", "list", "--json", ...as()]);
    const listed = JSON.parse(stdout) as Array<{ assetKey: string; checkHealth: string; checks: Array<{ key: string }> }>;
    expect(listed.map((a) => [a.assetKey, a.checkHealth, a.checks.length])).toEqual([
      ["sales/orders", "FAILING", 2],
      ["sales/revenue", "WARNING", 1],
    ]);
  });
});

describe("strata assets search --check-health", () => {
  it("filters on the server's check health", async () => {
    const keys = async (health: string) => {
      const { stdout } = await runCli(["assets", "search", "--check-health", health, "--json", ...as()]);
      return (JSON.parse(stdout) as { items: Array<{ key: string }> }).items.map((a) => a.key);
    };
    expect(await keys("failing")).toEqual(["sales/orders"]);
    expect(await keys("warning")).toEqual(["sales/revenue"]);
    expect(await keys("passing")).toEqual([]);
    const wrong = await runCli(["assets", "search", "--check-health", "bad", ...as()]);
    expect(wrong.code).toBe(2);
  });
});

describe("strata checks run", () => {
  it("queues a run of checks alone, and refuses a check its asset evaluates in its own step", async () => {
    const { stdout } = await runCliOk(["checks", "run", "sales/orders#no_nulls", "--json", ...as()]);
    expect(JSON.parse(stdout)).toMatchObject({ stepKeys: ["sales/orders#no_nulls"], assetKeys: [], location: { name: "sales" } });
    const human = await runCli(["checks", "run", "sales/orders#no_nulls", ...as()]);
    expect(human.stdout).toMatch(/^Launched run \S+: 1 check of code location "sales" \((QUEUED|STARTING)\)/);
    const inStep = await runCli(["checks", "run", "sales/orders#row_count", ...as()]);
    expect(inStep.code).toBe(1);
    expect(inStep.stderr).toMatch(/evaluated inside the asset's own step/);
  });
});
