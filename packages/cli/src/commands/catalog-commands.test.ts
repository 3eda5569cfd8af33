import { asset, Definitions } from "@strata/definitions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import quickstart from "../../../../examples/quickstart/defs.js";
import { runCli, runCliOk } from "../testing/run-cli.js";
import { startTestServer, type TestServer } from "../testing/test-server.js";

let t: TestServer;
let reader: string;
const as = () => ["--server", t.url, "--token", reader];

beforeAll(async () => {
  t = await startTestServer();
  reader = await t.token("read");
  await t.client.registerCodeLocation({ name: "quickstart", ...quickstart.manifest() });
  const marketing = new Definitions({
    assets: [
      asset("campaign_roi", { deps: ["daily_revenue"], group: "marketing", kinds: ["python"], description: "Return on ad spend" }, () => 1),
    ],
  });
  await t.client.registerCodeLocation({ name: "marketing", ...marketing.manifest() });
  await t.client.reportMaterialization({ assetKey: "daily_revenue", metadata: { row_count: 6 }, dataVersion: "v1" });
});
afterAll(() => t.close());

describe("strata assets search", () => {
  it("prints matching assets as an aligned table, with how many there are", async () => {
    const { lines } = await runCliOk(["assets", "search", "orders", ...as()]);
    expect(lines[0]).toMatch(/^KEY\s+GROUP\s+KINDS\s+LOCATION\s+MATERIALIZED$/);
    expect(lines.slice(1, -2).map((l) => l.split(/\s+/).slice(0, 2))).toEqual([
      ["clean_orders", "sales"],
      ["raw/orders", "raw"],
    ]);
    expect(lines.at(-1)).toBe("2 of 2 assets");
    // Columns line up: every row's LOCATION starts where the header's does.
    const column = lines[0]!.indexOf("LOCATION");
    for (const row of lines.slice(1, -2)) expect(row.slice(column)).toMatch(/^quickstart\s+never$/);
    const revenue = await runCli(["assets", "search", "revenue", ...as()]);
    expect(revenue.stdout).toMatch(/daily_revenue\s+finance\s+quickstart\s+(?:just now|\d+ min ago)/);
  });

  it("applies every filter", async () => {
    const keys = async (...args: string[]) => {
      const { stdout } = await runCli(["assets", "search", ...args, "--json", ...as()]);
      return (JSON.parse(stdout) as { items: Array<{ key: string }> }).items.map((a) => a.key);
    };
    expect(await keys("--group", "raw")).toEqual(["raw/customers", "raw/orders"]);
    expect(await keys("--tag", "source=crm")).toEqual(["raw/customers"]);
    expect(await keys("--owner", "team:finance", "--kind", "report")).toEqual(["board_report"]);
    expect(await keys("--location", "marketing")).toEqual(["campaign_roi"]);
    expect(await keys("--prefix", "raw")).toEqual(["raw/customers", "raw/orders"]);
  });

  it("pages with --first and tells how to get the next page", async () => {
    const first = await runCli(["assets", "search", "--first", "2", ...as()]);
    const after = first.stdout.match(/next page: --after (\S+)/)?.[1];
    expect(first.stdout).toMatch(/2 of 8 assets; next page: --after \S+/);
    const second = await runCli(["assets", "search", "--first", "2", "--after", after!, "--json", ...as()]);
    const page = JSON.parse(second.stdout) as { items: Array<{ key: string }>; totalCount: number; hasNextPage: boolean };
    expect(page.items.map((a) => a.key)).toEqual(["clean_orders", "daily_revenue"]);
    expect(page).toMatchObject({ totalCount: 8, hasNextPage: true });
  });

  it("says so when nothing matches", async () => {
    const { stdout } = await runCliOk(["assets", "search", "no-such-thing-anywhere", ...as()]);
    expect(stdout.trim()).toBe("No assets match.");
  });

  it("reads the server and token from STRATA_SERVER and STRATA_TOKEN", async () => {
    const { stdout } = await runCliOk(["assets", "search", "--group", "marketing"], {
      env: { STRATA_SERVER: t.url, STRATA_TOKEN: reader },
    });
    expect(stdout).toContain("campaign_roi");
  });
});

describe("strata assets show", () => {
  it("shows the definition, neighbours and materializations of one asset", async () => {
    const { stdout } = await runCliOk(["assets", "show", "daily_revenue", ...as()]);
    expect(stdout).toMatch(/^daily_revenue\n {2}Revenue per day and country, in euros\./);
    expect(stdout).toMatch(/location\s+quickstart \(version 1, LOADED\)/);
    expect(stdout).toMatch(/multi-asset\s+revenue_stats \(runs whole\)/);
    expect(stdout).toMatch(/upstream\s+clean_orders/);
    expect(stdout).toMatch(/downstream\s+board_report, campaign_roi/);
    expect(stdout).toMatch(/reported\s+row_count=6/);
  });

  it("prints the asset as JSON with --json", async () => {
    const { stdout } = await runCli(["assets", "show", "raw/orders", "--json", ...as()]);
    const detail = JSON.parse(stdout) as { key: string; definition: { location: { name: string } }; downstream: Array<{ key: string }> };
    expect(detail).toMatchObject({
      key: "raw/orders",
      definition: { location: { name: "quickstart" } },
      downstream: [{ key: "clean_orders" }],
    });
  });

  it("fails with one line and exit code 1 for an unknown asset, and 2 without a key", async () => {
    const unknown = await runCli(["assets", "show", "nope/nothing", ...as()]);
    expect(unknown).toMatchObject({ code: 1, stdout: "", stderr: 'strata: No asset "nope/nothing"\n' });
    const usage = await runCli(["assets", "show", ...as()]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toBe("strata: assets show: missing required argument 'key'. Usage: strata assets show [options] <key>\n");
  });
});

describe("strata lineage", () => {
  it("draws upstream and downstream trees across code locations", async () => {
    const { stdout } = await runCliOk(["lineage", "clean_orders", ...as()]);
    expect(stdout).toBe(
      [
        "Upstream (built from)",
        "clean_orders  [quickstart]",
        "├── raw/customers",
        "└── raw/orders",
        "",
        "Downstream (built from it)",
        "clean_orders  [quickstart]",
        "├── daily_revenue",
        "│   ├── board_report",
        "│   └── campaign_roi  [marketing]",
        "└── top_customers",
        "    └── board_report  (see above)",
        "",
      ].join("\n"),
    );
  });

  it("follows only as many edges as --up and --down allow", async () => {
    const { stdout } = await runCli(["lineage", "daily_revenue", "--up", "1", "--down", "0", ...as()]);
    expect(stdout).toBe(
      ["Upstream (built from)", "daily_revenue  [quickstart]", "└── clean_orders", "", "Downstream (built from it): none", ""].join("\n"),
    );
  });

  it("prints nodes and edges with --json", async () => {
    const { stdout } = await runCli(["lineage", "board_report", "--up", "1", "--down", "0", "--json", ...as()]);
    const lineage = JSON.parse(stdout) as { nodes: Array<{ key: string }>; edges: Array<{ upstream: string; downstream: string }> };
    expect(lineage.nodes.map((n) => n.key)).toEqual(["board_report", "daily_revenue", "top_customers"]);
    expect(lineage.edges).toHaveLength(2);
  });

  it("fails clearly for an unknown asset, a bad depth, and a server it cannot reach", async () => {
    expect(await runCli(["lineage", "ghost", ...as()])).toMatchObject({ code: 1, stderr: 'strata: No asset "ghost"\n' });
    expect(await runCli(["lineage", "ghost", "--up=-1", ...as()])).toMatchObject({
      code: 2,
      stderr: 'strata: --up must be a whole number from 0 to 9007199254740991, not "-1"\n',
    });
    const ambiguous = await runCli(["lineage", "ghost", "--up", "-1", ...as()]);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr.trimEnd().split("\n")).toHaveLength(1);
    const offline = await runCli(["lineage", "ghost", "--server", "http://127.0.0.1:9/graphql"]);
    expect(offline.code).toBe(1);
    expect(offline.stderr).toMatch(
      /^strata: cannot reach the Strata server at http:\/\/127\.0\.0\.1:9\/graphql \(.+\); is it running\? Set --server or STRATA_SERVER\n$/,
    );
  });

  it("asks for a token when the server requires one", async () => {
    const { code, stderr } = await runCli(["lineage", "raw/orders", "--server", t.url]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^strata: the server requires a token: pass --token or set STRATA_TOKEN/);
  });
});
