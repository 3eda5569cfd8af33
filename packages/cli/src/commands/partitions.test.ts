import { DAILY_JANUARY_UTC, manifestOf } from "@strata/server/testing";
import { describe, expect, it } from "vitest";
import { runCli } from "../testing/run-cli.js";
import { useTestServer } from "../testing/test-server.js";

let as: string[] = [];
const t = useTestServer(async () => {
  await t.client.registerCodeLocation({
    name: "shop",
    ...manifestOf([
      { key: "shop/daily_orders", partitions: DAILY_JANUARY_UTC },
      { key: "shop/customer_report", partitions: { kind: "dynamic", name: "customers" } },
      { key: "shop/plain" },
    ]),
  });
  for (const partition of ["2024-01-02", "2024-01-03"]) await t.client.reportMaterialization({ assetKey: "shop/daily_orders", partition });
  as = await t.as("read", "launch");
});

describe("strata partitions", () => {
  it("status prints the bar, the counts and the ranges not materialized, within --from/--to", async () => {
    const status = await runCli(["partitions", "status", "shop/daily_orders", "--from", "2024-01-01", "--to", "2024-01-05", ...as]);
    expect(status).toMatchObject({ code: 0, stderr: "" });
    expect(status.stdout).toContain("2/5 materialized, 3 missing");
    expect(status.stdout).toMatch(/missing +2024-01-01\n/);
    expect(status.stdout).toMatch(/missing +2024-01-04 \.\. 2024-01-05 \(2\)/);

    const whole = await runCli(["partitions", "status", "shop/daily_orders", "--json", ...as]);
    expect(whole.code).toBe(0);
    expect(JSON.parse(whole.stdout).status.counts).toMatchObject({ total: 31, materialized: 2, missing: 29 });

    const plain = await runCli(["partitions", "status", "shop/plain", ...as]);
    expect(plain).toMatchObject({ code: 0, stdout: "shop/plain is not partitioned.\n" });
  });

  it("adds and deletes dynamic partition keys, and status follows them", async () => {
    expect((await runCli(["partitions", "status", "shop/customer_report", ...as])).stdout).toBe(
      "shop/customer_report has no partitions yet.\n",
    );

    const added = await runCli(["partitions", "add", "customers", "acme", "globex", ...as]);
    expect(added).toMatchObject({ code: 0, stdout: 'Dynamic partitions "customers" now have 2 keys.\n' });
    const deleted = await runCli(["partitions", "delete", "customers", "globex", ...as]);
    expect(deleted).toMatchObject({ code: 0, stdout: 'Dynamic partitions "customers" now have 1 key.\n' });

    const status = await runCli(["partitions", "status", "shop/customer_report", ...as]);
    expect(status.stdout).toContain("0/1 materialized, 1 missing");
    expect(status.stdout).toMatch(/missing +acme/);
  });

  it("refuses a key outside the definition, and a reader's change of keys", async () => {
    const outside = await runCli(["partitions", "status", "shop/daily_orders", "--from", "2023-12-31", ...as]);
    expect(outside.code).toBe(1);
    expect(outside.stderr).toContain("2023-12-31");

    const reader = await t.as("read");
    const refused = await runCli(["partitions", "add", "customers", "initech", ...reader]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/launch/);
    expect((await t.client.partitionStatus("shop/customer_report")).status?.counts.total).toBe(1);
  });
});
