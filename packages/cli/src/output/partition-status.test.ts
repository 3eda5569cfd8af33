import { describe, expect, it } from "vitest";
import { styleFor } from "./style.js";
import { formatPartitionStatus } from "./partition-status.js";

const plain = styleFor({ isTTY: false }, {});
const range = (
  status: "MATERIALIZED" | "FAILED" | "IN_PROGRESS" | "MISSING",
  startIndex: number,
  endIndex: number,
  startKey: string,
  endKey: string,
) => ({
  status,
  startIndex,
  endIndex,
  startKey,
  endKey,
  count: endIndex - startIndex + 1,
  start: null,
  end: null,
});

describe("formatPartitionStatus", () => {
  it("draws the bar, the counts and each range that is not materialized", () => {
    const report = {
      assetKey: "daily",
      definition: null,
      status: {
        ranges: [
          range("MISSING", 0, 1, "2024-03-01", "2024-03-02"),
          range("MATERIALIZED", 2, 5, "2024-03-03", "2024-03-06"),
          range("FAILED", 6, 6, "2024-03-07", "2024-03-07"),
          range("IN_PROGRESS", 7, 7, "2024-03-08", "2024-03-08"),
        ],
        counts: { materialized: 4, failed: 1, inProgress: 1, missing: 2, total: 8 },
      },
    };
    expect(formatPartitionStatus(report, plain, 80).split("\n")).toEqual([
      "daily  ··████x▒",
      "  4/8 materialized, 1 failed, 1 in progress, 2 missing",
      "  missing      2024-03-01 .. 2024-03-02 (2)",
      "  failed       2024-03-07",
      "  in progress  2024-03-08",
    ]);
  });

  it("says when the asset is not partitioned, or has no partitions yet", () => {
    expect(formatPartitionStatus({ assetKey: "plain", definition: null, status: null }, plain, 80)).toBe("plain is not partitioned.");
    const empty = { ranges: [], counts: { materialized: 0, failed: 0, inProgress: 0, missing: 0, total: 0 } };
    expect(formatPartitionStatus({ assetKey: "customers", definition: null, status: empty }, plain, 80)).toBe(
      "customers has no partitions yet.",
    );
  });
});
