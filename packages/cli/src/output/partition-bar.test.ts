import { describe, expect, it } from "vitest";
import { partitionBar } from "./partition-bar.js";
import { styleFor } from "./style.js";

const plain = styleFor({ isTTY: false }, {});

describe("partitionBar", () => {
  it("draws one cell per partition when they fit", () => {
    const ranges = [
      { status: "MISSING" as const, startIndex: 0, endIndex: 1 },
      { status: "MATERIALIZED" as const, startIndex: 2, endIndex: 5 },
      { status: "FAILED" as const, startIndex: 6, endIndex: 6 },
      { status: "IN_PROGRESS" as const, startIndex: 7, endIndex: 7 },
      { status: "MISSING" as const, startIndex: 8, endIndex: 9 },
    ];
    expect(partitionBar(ranges, 60, plain)).toBe("··████x▒··");
  });

  it("keeps a lone failure visible when many partitions share a cell", () => {
    const ranges = [
      { status: "MATERIALIZED" as const, startIndex: 0, endIndex: 4_999 },
      { status: "FAILED" as const, startIndex: 5_000, endIndex: 5_000 },
      { status: "MATERIALIZED" as const, startIndex: 5_001, endIndex: 9_999 },
    ];
    const bar = partitionBar(ranges, 20, plain);
    expect(bar).toHaveLength(20);
    expect(bar.replaceAll("█", "")).toBe("x");
  });

  it("is empty for no partitions, and colours by status on a terminal", () => {
    expect(partitionBar([], 10, plain)).toBe("");
    const style = styleFor({ isTTY: true }, {});
    expect(partitionBar([{ status: "FAILED", startIndex: 0, endIndex: 0 }], 10, style)).toBe(style.red("x"));
  });
});
