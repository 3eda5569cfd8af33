import { describe, expect, it } from "vitest";
import { layeredLayout } from "./layered-layout.js";

describe("layeredLayout", () => {
  it("puts each node one column right of its deepest upstream, and orders columns by their upstream rows", () => {
    // 0 → 1 → 3, 0 → 2 → 3, 0 → 3, 4 alone
    const layout = layeredLayout(5, [
      [0, 1],
      [1, 3],
      [0, 2],
      [2, 3],
      [0, 3],
    ]);
    expect([...layout.rank]).toEqual([0, 1, 1, 2, 0]);
    expect(layout.ranks).toBe(3);
    expect(layout.rows).toBe(2);
    expect(new Set([layout.row[1], layout.row[2]])).toEqual(new Set([0, 1]));
  });

  it("lays out 10,000 nodes and ~100,000 edges in well under a second", () => {
    const edges: Array<[number, number]> = [];
    for (let i = 0; i < 10_000; i++) for (let d = 5; d <= 50 && i - d >= 0; d += 5) edges.push([i - d, i]);
    const started = performance.now();
    const layout = layeredLayout(10_000, edges);
    const elapsed = performance.now() - started;
    expect(layout.ranks).toBeGreaterThan(100);
    expect(elapsed).toBeLessThan(2_000);
  });
});
