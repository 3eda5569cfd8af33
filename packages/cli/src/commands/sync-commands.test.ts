import { asset, dailyPartitions, Definitions } from "@strata/definitions";
import { describe, expect, it } from "vitest";
import { runCli, runCliOk } from "../testing/run-cli.js";
import { useTestServer } from "../testing/test-server.js";

const days = dailyPartitions({ start: "2024-06-01", end: "2024-06-04", timezone: "UTC" });
const hourly = { failAfterMs: 3_600_000 };

const t = useTestServer(async () => {
  const defs = new Definitions({
    assets: [
      asset("orders", { keyPrefix: "raw" }, () => 1),
      asset("clean_orders", { deps: ["raw/orders"] }, () => 1),
      asset("daily_revenue", { deps: ["clean_orders"], freshness: hourly }, () => 1),
      asset("never", { freshness: hourly }, () => 1),
      asset("visits", { keyPrefix: "web", partitions: days }, () => 1),
      asset("visit_stats", { keyPrefix: "web", deps: ["web/visits"], partitions: days }, () => 1),
    ],
  });
  await t.client.registerCodeLocation({ name: "sync", ...defs.manifest() });
  const report = (assetKey: string, more: { partition?: string; dataVersion?: string } = {}) =>
    t.client.reportMaterialization({ assetKey, ...more });
  await report("raw/orders", { dataVersion: "1" });
  await report("clean_orders");
  await report("daily_revenue");
  for (const partition of ["2024-06-01", "2024-06-02", "2024-06-03"]) {
    await report("web/visits", { partition, dataVersion: "1" });
    await report("web/visit_stats", { partition });
  }
  // New data upstream: clean_orders read version 1, daily_revenue depends on it; one day of visits changed.
  await report("raw/orders", { dataVersion: "2" });
  await report("web/visits", { partition: "2024-06-02", dataVersion: "2" });
});
const as = () => ["--server", t.url, "--token", t.admin];

const keysOf = async (...args: string[]) => {
  const { code, stdout, stderr } = await runCli(["assets", ...args, "--json", ...as()]);
  expect(stderr).toBe("");
  expect(code).toBe(0);
  return (JSON.parse(stdout) as { items: Array<{ key: string }> }).items.map((a) => a.key);
};

describe("strata assets --unsynced / --freshness", () => {
  it("lists the unsynced assets (search is the default subcommand)", async () => {
    const { stdout } = await runCliOk(["assets", "--unsynced", ...as()]);
    const rows = stdout.trimEnd().split("\n");
    expect(rows.slice(1, -2).map((row) => row.split(/\s+/)[0])).toEqual(["clean_orders", "daily_revenue", "web/visit_stats"]);
    expect(rows.at(-1)).toBe("3 of 3 assets");
    expect(await keysOf("search", "--unsynced", "--prefix", "web")).toEqual(["web/visit_stats"]);
  });

  it("filters by freshness state, in either case, and refuses a state that does not exist", async () => {
    expect(await keysOf("--freshness", "PASS")).toEqual(["daily_revenue"]);
    expect(await keysOf("--freshness", "unknown")).toEqual(["never"]);
    expect(await keysOf("--freshness", "fail")).toEqual([]);
    const bad = await runCli(["assets", "--freshness", "stale", ...as()]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("Allowed choices are FAIL, WARN, PASS, UNKNOWN.");
  });
});

describe("strata assets why-unsynced", () => {
  it("prints the state, the causes as a tree and the root causes", async () => {
    const { stdout } = await runCliOk(["assets", "why-unsynced", "daily_revenue", ...as()]);
    expect(stdout.trimEnd().split("\n")).toEqual([
      "daily_revenue  UNSYNCED",
      "",
      "Causes",
      "└── daily_revenue stale dependency: clean_orders (DATA)",
      "    └── clean_orders has a new dependency data version: raw/orders (DATA)",
      "        └── raw/orders has a new data version (DATA)",
      "",
      "Root causes (materialize or fix these first)",
      "  raw/orders has a new data version (DATA)",
    ]);
  });

  it("prints JSON for scripts", async () => {
    const { stdout } = await runCliOk(["assets", "why-unsynced", "clean_orders", "--json", ...as()]);
    expect(JSON.parse(stdout)).toMatchObject({
      key: "clean_orders",
      partition: null,
      state: "UNSYNCED",
      causes: [{ category: "DATA", reason: "has a new dependency data version", dependency: "raw/orders" }],
      rootCauses: [{ assetKey: "raw/orders", reason: "has a new data version" }],
      unsyncedPartitions: null,
    });
  });

  it("says when an asset is synced or was never materialized, and fails for an unknown key", async () => {
    const synced = await runCli(["assets", "why-unsynced", "raw/orders", ...as()]);
    expect(synced.stdout.trimEnd().split("\n")).toEqual([
      "raw/orders  SYNCED",
      "  Its latest materialization used its current code and its dependencies' current data.",
    ]);
    const missing = await runCli(["assets", "why-unsynced", "never", ...as()]);
    expect(missing.stdout).toContain("never  MISSING\n  Never materialized: nothing to compare yet.");
    const unknown = await runCli(["assets", "why-unsynced", "nope", ...as()]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim()).toBe('strata: No asset "nope"');
  });

  it("lists a partitioned asset's unsynced partitions, and explains one with --partition", async () => {
    const whole = await runCli(["assets", "why-unsynced", "web/visit_stats", ...as()]);
    expect(whole.code).toBe(0);
    expect(whole.stdout.trimEnd().split("\n")).toEqual([
      "web/visit_stats  UNSYNCED",
      "  1 unsynced partition: 2024-06-02",
      "",
      "Causes (partition 2024-06-02; --partition for another)",
      "└── web/visit_stats[2024-06-02] has a new dependency data version: web/visits[2024-06-02] (DATA)",
      "    └── web/visits[2024-06-02] has a new data version (DATA)",
      "",
      "Root causes (materialize or fix these first)",
      "  web/visits[2024-06-02] has a new data version (DATA)",
    ]);
    const day = await runCli(["assets", "why-unsynced", "web/visit_stats", "--partition", "2024-06-01", ...as()]);
    expect(day.stdout).toContain("web/visit_stats[2024-06-01]  SYNCED");
  });
});

describe("strata runs launch --unsynced", () => {
  it("launches only the unsynced and missing assets of the selection, and names them", async () => {
    const { stdout } = await runCliOk(["runs", "launch", "raw/orders", "clean_orders", "daily_revenue", "never", "--unsynced", ...as()]);
    const id = stdout.match(/^Launched run (\S+): /)?.[1];
    expect(stdout).toContain(': 3 assets unsynced or missing (clean_orders, daily_revenue, never) of code location "sync"');
    expect((await t.client.run(id!)).assetKeys).toEqual(["clean_orders", "daily_revenue", "never"]);
    await t.client.terminateRun(id!);
  });

  it("narrows a partition's run to the assets unsynced in that partition", async () => {
    const { stdout } = await runCliOk([
      "runs",
      "launch",
      "web/visits",
      "web/visit_stats",
      "--partition",
      "2024-06-02",
      "--unsynced",
      "--json",
      ...as(),
    ]);
    const run = JSON.parse(stdout) as { id: string; assetKeys: string[]; partitionKey: string };
    expect(run).toMatchObject({ assetKeys: ["web/visit_stats"], partitionKey: "2024-06-02" });
    await t.client.terminateRun(run.id);
  });

  it("launches nothing and exits 1 when every selected asset is synced; refuses --partition-range", async () => {
    const before = (await t.client.runs()).items.length;
    const synced = await runCli(["runs", "launch", "raw/orders", "--unsynced", ...as()]);
    expect(synced.code).toBe(1);
    expect(synced.stderr.trim()).toBe("strata: Every selected asset is SYNCED: nothing to launch");
    expect((await t.client.runs()).items.length).toBe(before);
    const range = await runCli(["runs", "launch", "web/visits", "--partition-range", "2024-06-01..2024-06-03", "--unsynced", ...as()]);
    expect(range.code).toBe(2);
    expect(range.stderr).toContain("cannot be used with option '--partition-range");
  });
});
