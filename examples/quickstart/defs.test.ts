import { materialize } from "@strata/definitions";
import { expect, it } from "vitest";
import defs from "./defs.js";

it("materializes the whole pipeline, down to the board report", async () => {
  const result = await materialize(defs);
  expect(result.success).toBe(true);
  const report = result.outputFor("board_report") as string;
  expect(report).toMatch(/^Revenue: €\d+\.\d{2}\nBest day: 2024-06-0\d\nTop customer: \w+$/);
});

it("registers six assets under stable keys", () => {
  const { manifest } = defs.manifest();
  expect(manifest.assets.map((a) => a.key)).toEqual([
    "board_report",
    "clean_orders",
    "daily_revenue",
    "raw/customers",
    "raw/orders",
    "top_customers",
  ]);
});
