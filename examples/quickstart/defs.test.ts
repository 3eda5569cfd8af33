import { materialize } from "@strata/definitions";
import { expect, it } from "vitest";
import defs, { boardMornings } from "./defs.js";

it("materializes the whole pipeline, down to the board report", async () => {
  const result = await materialize(defs, {
    selection: ["board_report", "clean_orders", "daily_revenue", "raw/customers", "raw/orders", "top_customers"],
  });
  expect(result.success).toBe(true);
  const report = result.outputFor("board_report") as string;
  expect(report).toMatch(/^Revenue: €\d+\.\d{2}\nBest day: 2024-06-0\d\nTop customer: \w+$/);
});

it("materializes every day of the daily visits in one run", async () => {
  const result = await materialize(defs, { selection: ["web/daily_visits"], partitionRange: { from: "2024-06-01", to: "2024-06-03" } });
  expect(result.success).toBe(true);
  expect(result.materializations.map((m) => m.partition)).toEqual(["2024-06-01", "2024-06-02", "2024-06-03"]);
});

it("registers seven assets under stable keys", () => {
  const { manifest } = defs.manifest();
  expect(manifest.assets.map((a) => a.key)).toEqual([
    "board_report",
    "clean_orders",
    "daily_revenue",
    "raw/customers",
    "raw/orders",
    "top_customers",
    "web/daily_visits",
  ]);
});

it("runs the board mornings on weekdays only, once per day", async () => {
  const signal = new AbortController().signal;
  // 2024-06-08 is a Saturday; 07:00 in Berlin is 05:00 UTC in summer.
  expect(await boardMornings.evaluate({ scheduledTime: new Date("2024-06-08T05:00:00Z"), signal })).toEqual({
    skipReason: "2024-06-08 is a weekend in Berlin",
  });
  expect(await boardMornings.evaluate({ scheduledTime: new Date("2024-06-10T05:00:00Z"), signal })).toEqual({
    runRequests: [{ runKey: "2024-06-10", assetKeys: null, tags: { day: "2024-06-10" }, partitionKey: null }],
  });
});
