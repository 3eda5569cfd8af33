import { describe, expect, it } from "vitest";
import { chunkRanges, intersectRanges, mergeRanges, rangesCount, subtractRanges, toRanges } from "../index.js";

const r = (start: number, end: number) => ({ start, end });

describe("index ranges", () => {
  it("turns indexes into sorted, merged ranges", () => {
    expect(toRanges([5, 1, 2, 3, 3, 9, 8])).toEqual([r(1, 3), r(5, 5), r(8, 9)]);
    expect(toRanges(new Set<number>())).toEqual([]);
  });

  it("merges overlapping and adjacent ranges, drops empty ones", () => {
    expect(mergeRanges([r(4, 6), r(0, 3), r(10, 12), r(11, 11), r(7, 5)])).toEqual([r(0, 6), r(10, 12)]);
  });

  it("subtracts", () => {
    expect(subtractRanges([r(0, 9)], [r(3, 4)])).toEqual([r(0, 2), r(5, 9)]);
    expect(subtractRanges([r(0, 9), r(20, 29)], [r(0, 0), r(9, 21), r(29, 40)])).toEqual([r(1, 8), r(22, 28)]);
    expect(subtractRanges([r(0, 9)], [r(0, 9)])).toEqual([]);
    expect(subtractRanges([r(0, 9)], [])).toEqual([r(0, 9)]);
  });

  it("intersects", () => {
    expect(intersectRanges([r(0, 5), r(10, 20)], [r(3, 12), r(18, 30)])).toEqual([r(3, 5), r(10, 12), r(18, 20)]);
    expect(intersectRanges([r(0, 5)], [r(6, 9)])).toEqual([]);
  });

  it("counts, overlaps once", () => {
    expect(rangesCount([r(0, 9), r(20, 20), r(5, 12)])).toBe(14);
    expect(rangesCount([])).toBe(0);
  });

  it("chunks as Dagster's multi-run policy does: 100 partitions at most 11 per run → 10 runs", () => {
    const chunks = chunkRanges([r(0, 99)], 11);
    expect(chunks).toHaveLength(10);
    expect(chunks.slice(0, 9).every((c) => c.end - c.start + 1 === 11)).toBe(true);
    expect(chunks[9]).toEqual(r(99, 99));
    expect(chunkRanges([r(0, 89)], 30)).toEqual([r(0, 29), r(30, 59), r(60, 89)]);
    // Never across a gap.
    expect(chunkRanges([r(0, 2), r(5, 6)], 10)).toEqual([r(0, 2), r(5, 6)]);
    expect(() => chunkRanges([r(0, 1)], 0)).toThrow(RangeError);
  });
});
