import { describe, expect, it } from "vitest";
import { type BarRange, partitionBar } from "./partition-bar.js";
import { styleFor } from "./style.js";

const plain = styleFor({ isTTY: false }, {});
const range = (status: BarRange["status"], startIndex: number, endIndex: number): BarRange => ({ status, startIndex, endIndex });

describe("partitionBar", () => {
  it("draws one cell per partition when they fit", () => {
    const ranges = [
      range("MISSING", 0, 1),
      range("MATERIALIZED", 2, 5),
      range("FAILED", 6, 6),
      range("IN_PROGRESS", 7, 7),
      range("MISSING", 8, 9),
    ];
    expect(partitionBar(ranges, 60, plain)).toBe("··████x▒··");
  });

  it("keeps a lone failure visible when many partitions share a cell", () => {
    const ranges = [range("MATERIALIZED", 0, 4_999), range("FAILED", 5_000, 5_000), range("MATERIALIZED", 5_001, 9_999)];
    const bar = partitionBar(ranges, 20, plain);
    expect(bar).toHaveLength(20);
    expect(bar.replaceAll("█", "")).toBe("x");
  });

  it("is empty for no partitions, and colours by status on a terminal", () => {
    expect(partitionBar([], 10, plain)).toBe("");
    const style = styleFor({ isTTY: true }, {});
    expect(partitionBar([range("FAILED", 0, 0)], 10, style)).toBe(style.red("x"));
  });
});
