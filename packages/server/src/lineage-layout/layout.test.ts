import { describe, expect, it } from "vitest";
import { LAYOUT_SIZES, layeredGrid, layoutLineage } from "./layout.js";

/** The grid of `count` nodes joined by `edges` ([from, to]). */
const gridOf = (count: number, edges: Array<[number, number]>) => {
  const up: number[][] = Array.from({ length: count }, () => []);
  const down: number[][] = Array.from({ length: count }, () => []);
  for (const [from, to] of edges) {
    up[to]!.push(from);
    down[from]!.push(to);
  }
  return layeredGrid(count, up, down);
};

describe("layeredGrid", () => {
  it("puts each node one column right of its furthest upstream", () => {
    // 0 → 1 → 2, 0 → 2, 3 alone
    const grid = gridOf(4, [
      [0, 1],
      [1, 2],
      [0, 2],
    ]);
    expect([...grid.rank]).toEqual([0, 1, 2, 0]);
    expect(grid.ranks).toBe(3);
    expect(grid.rows).toBe(2);
  });

  it("orders rows so that edges do not cross when they need not", () => {
    // 0 → 3 and 1 → 2: the downstream column is ordered like its upstreams.
    const grid = gridOf(4, [
      [0, 3],
      [1, 2],
    ]);
    expect(grid.row[3]! < grid.row[2]!).toBe(grid.row[0]! < grid.row[1]!);
  });

  it("breaks a cycle instead of looping or dropping its nodes", () => {
    const grid = gridOf(3, [
      [0, 1],
      [1, 2],
      [2, 0],
    ]);
    expect(new Set(grid.rank).size).toBe(3);
  });
});

describe("layoutLineage", () => {
  it("keeps every node inside its group's box and boxes apart", () => {
    const groupOf = Int32Array.from([0, 0, 0, 1, 1, 2]);
    const edges = Int32Array.from([0, 1, 1, 2, 2, 3, 3, 4, 0, 5]);
    const layout = layoutLineage({ nodeCount: 6, groupCount: 3, groupOf, edges });
    for (let n = 0; n < 6; n++) {
      const g = groupOf[n]!;
      expect(layout.x[n]!).toBeGreaterThanOrEqual(layout.groupX[g]!);
      expect(layout.x[n]! + LAYOUT_SIZES.nodeWidth).toBeLessThanOrEqual(layout.groupX[g]! + layout.groupWidth[g]!);
      expect(layout.y[n]!).toBeGreaterThanOrEqual(layout.groupY[g]!);
      expect(layout.y[n]! + LAYOUT_SIZES.nodeHeight).toBeLessThanOrEqual(layout.groupY[g]! + layout.groupHeight[g]!);
    }
    const overlap = (a: number, b: number) =>
      layout.groupX[a]! < layout.groupX[b]! + layout.groupWidth[b]! &&
      layout.groupX[b]! < layout.groupX[a]! + layout.groupWidth[a]! &&
      layout.groupY[a]! < layout.groupY[b]! + layout.groupHeight[b]! &&
      layout.groupY[b]! < layout.groupY[a]! + layout.groupHeight[a]!;
    expect([overlap(0, 1), overlap(0, 2), overlap(1, 2)]).toEqual([false, false, false]);
    // Group 1 depends on group 0: it sits to its right. Edges between groups are counted.
    expect(layout.groupX[1]!).toBeGreaterThan(layout.groupX[0]!);
    expect([...layout.groupEdges]).toEqual([0, 1, 1, 0, 2, 1]);
  });

  it("lays out 10,000 nodes and 30,000 edges in 100 groups, with cycles between groups", () => {
    const count = 10_000;
    const groupOf = Int32Array.from({ length: count }, (_, n) => Math.floor(n / 100));
    const edges: number[] = [];
    for (let n = 1; n < count; n++) {
      for (const d of [n - 1, n - 7, n - 50]) if (d >= 0) edges.push(d, n);
      // A few edges back to earlier groups' downstream: cycles between groups.
      if (n % 997 === 0 && n + 150 < count) edges.push(n + 150, n - 60);
    }
    const layout = layoutLineage({ nodeCount: count, groupCount: 100, groupOf, edges: Int32Array.from(edges) });
    const positions = new Set<string>();
    for (let n = 0; n < count; n++) positions.add(`${layout.x[n]},${layout.y[n]}`);
    expect(positions.size).toBe(count);
  });
});

describe("a deep graph of groups", () => {
  it("wraps its columns into bands instead of one long strip", () => {
    // 60 groups in a chain, each of 20 nodes in a chain: one strip would be ~60 × 5,600 px wide.
    const count = 1_200;
    const groupOf = Int32Array.from({ length: count }, (_, n) => Math.floor(n / 20));
    const edges = Int32Array.from(Array.from({ length: count - 1 }, (_, n) => [n, n + 1]).flat());
    const layout = layoutLineage({ nodeCount: count, groupCount: 60, groupOf, edges });
    const width = Math.max(...Array.from(layout.groupX, (x, g) => x + layout.groupWidth[g]!));
    const height = Math.max(...Array.from(layout.groupY, (y, g) => y + layout.groupHeight[g]!));
    expect(width / height).toBeLessThan(16);
    expect(new Set(layout.groupY).size).toBeGreaterThan(1);
  });
});
