import { describe, expect, it } from "vitest";
import { findCycle, findIndexedCycle, topologicalOrder } from "./cycle.js";

/** A seeded random DAG: node i depends on up to `fanIn` of the `window` nodes before it, plus keys outside the graph. */
function randomDag(size: number, seed: number, fanIn = 4, window = 50) {
  let s = seed;
  const random = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const names = Array.from({ length: size }, (_, i) => `n${i}`);
  const deps = new Map<string, string[]>();
  names.forEach((name, i) => {
    const ups = Array.from(
      { length: i === 0 ? 0 : Math.floor(random() * (fanIn + 1)) },
      () => names[i - 1 - Math.floor(random() * Math.min(i, window))]!,
    );
    if (random() < 0.1) ups.push(`elsewhere/${i}`);
    deps.set(name, ups);
  });
  // Declared in a shuffled order, so the order must be worked out rather than kept.
  const shuffled = [...names].sort(() => random() - 0.5);
  return { nodes: shuffled, upstreamOf: (n: string) => deps.get(n) ?? [] };
}

/** The plain statement of the contract: Kahn's algorithm with the ready nodes taken in `nodes` order, then as they become ready. */
function referenceOrder(nodes: readonly string[], upstreamOf: (n: string) => readonly string[]): string[] {
  const known = new Set(nodes);
  const pending = new Map(nodes.map((n) => [n, upstreamOf(n).filter((u) => known.has(u)).length]));
  const downstream = new Map<string, string[]>();
  for (const n of nodes) for (const u of upstreamOf(n)) if (known.has(u)) downstream.set(u, [...(downstream.get(u) ?? []), n]);
  const order = nodes.filter((n) => pending.get(n) === 0);
  for (let i = 0; i < order.length; i++) {
    for (const d of downstream.get(order[i]!) ?? []) {
      pending.set(d, pending.get(d)! - 1);
      if (pending.get(d) === 0) order.push(d);
    }
  }
  return order;
}

describe("topologicalOrder", () => {
  it("puts every node after its upstream nodes, ties in the given order, as Kahn's algorithm states it", () => {
    for (const seed of [1, 7, 42]) {
      const { nodes, upstreamOf } = randomDag(2_000, seed);
      const order = topologicalOrder(nodes, upstreamOf);
      expect(order).toEqual(referenceOrder(nodes, upstreamOf));
      expect(new Set(order).size).toBe(nodes.length);
      const position = new Map(order.map((n, i) => [n, i]));
      for (const n of nodes) for (const u of upstreamOf(n)) if (position.has(u)) expect(position.get(u)!).toBeLessThan(position.get(n)!);
    }
  });

  it("keeps independent nodes in the given order, counts a repeated edge once per mention and ignores outside keys", () => {
    expect(topologicalOrder(["c", "a", "b"], () => [])).toEqual(["c", "a", "b"]);
    const deps: Record<string, string[]> = { b: ["a", "a", "outside"], a: [], c: ["b"] };
    expect(topologicalOrder(["c", "b", "a"], (n) => deps[n]!)).toEqual(["a", "b", "c"]);
  });

  it("leaves out the nodes on a cycle and those behind it", () => {
    const deps: Record<string, string[]> = { a: [], b: ["a", "c"], c: ["b"], d: ["c"], e: ["a"] };
    expect(topologicalOrder(["a", "b", "c", "d", "e"], (n) => deps[n]!)).toEqual(["a", "e"]);
  });
});

describe("findCycle", () => {
  it("finds none in a DAG, however deep", () => {
    const { nodes, upstreamOf } = randomDag(2_000, 3);
    expect(findCycle(nodes, upstreamOf)).toBeNull();
    const chain = Array.from({ length: 200_000 }, (_, i) => `c${i}`);
    expect(findCycle(chain, (n) => (n === "c0" ? [] : [`c${Number(n.slice(1)) - 1}`]))).toBeNull();
  });

  it("returns a closed path of real edges when there is a cycle", () => {
    const { nodes, upstreamOf } = randomDag(2_000, 5);
    // Each node also depends on the one before it, and the first on the last: a cycle through all.
    const previous = (n: string) => (n === "n0" ? ["n1999"] : /^n\d+$/.test(n) ? [`n${Number(n.slice(1)) - 1}`] : []);
    const withCycle = (n: string) => [...upstreamOf(n), ...previous(n)];
    const cycle = findCycle(nodes, withCycle);
    expect(cycle).not.toBeNull();
    expect(cycle!.length).toBeGreaterThan(2);
    expect(cycle![0]).toBe(cycle![cycle!.length - 1]);
    for (let i = 0; i + 1 < cycle!.length; i++) expect(withCycle(cycle![i]!)).toContain(cycle![i + 1]);
  });

  it("names a two-node and a self cycle", () => {
    const deps: Record<string, string[]> = { a: ["b"], b: ["a"], c: ["c"] };
    expect(findCycle(["a", "b"], (n) => deps[n]!)).toEqual(["a", "b", "a"]);
    expect(findCycle(["c"], (n) => deps[n]!)).toEqual(["c", "c"]);
  });
});

describe("findIndexedCycle", () => {
  /** The same graph numbered: node i is `n${i}`, edges in findCycle's order, keys outside the graph left out. */
  const numbered = (nodes: readonly string[], edgesOf: (n: string) => readonly string[]) => {
    const index = new Map(nodes.map((n, i) => [n, i]));
    const forEachEdge = (i: number, add: (j: number) => void) => {
      for (const target of edgesOf(nodes[i]!)) if (index.has(target)) add(index.get(target)!);
    };
    return { index, forEachEdge, names: (cycle: number[] | null) => cycle?.map((i) => nodes[i]!) ?? null };
  };

  it("finds the cycle findCycle finds, from every node or from the roots given", () => {
    for (const seed of [5, 7, 11]) {
      const { nodes, upstreamOf } = randomDag(2_000, seed);
      // A back edge from an early node to a late one closes cycles through the DAG's paths.
      const late = `n${1_000 + seed * 50}`;
      const withCycle = (n: string) => (n === "n40" ? [...upstreamOf(n), late] : upstreamOf(n));
      const graph = numbered(nodes, withCycle);
      const local = (n: string) => withCycle(n).filter((d) => graph.index.has(d));
      const expected = findCycle(nodes, local);
      expect(expected).not.toBeNull();
      expect(graph.names(findIndexedCycle(nodes.length, graph.forEachEdge))).toEqual(expected);
      const roots = [late, "n3"];
      expect(
        graph.names(
          findIndexedCycle(
            nodes.length,
            graph.forEachEdge,
            roots.map((r) => graph.index.get(r)!),
          ),
        ),
      ).toEqual(findCycle(roots, local));
      // From a root the cycle cannot be reached from: none.
      expect(findIndexedCycle(nodes.length, graph.forEachEdge, [graph.index.get("n0")!])).toBeNull();
    }
  });

  it("finds none in a DAG or a 200,000-node chain, and names two-node and self cycles", () => {
    const { nodes, upstreamOf } = randomDag(2_000, 3);
    expect(findIndexedCycle(nodes.length, numbered(nodes, upstreamOf).forEachEdge)).toBeNull();
    expect(findIndexedCycle(200_000, (i, add) => i > 0 && add(i - 1))).toBeNull();
    expect(findIndexedCycle(200_000, (i, add) => add(i === 0 ? 199_999 : i - 1))).toHaveLength(200_001);
    expect(findIndexedCycle(3, (i, add) => (i < 2 ? add(1 - i) : add(2)))).toEqual([0, 1, 0]);
    expect(findIndexedCycle(3, (i, add) => i === 2 && add(2))).toEqual([2, 2]);
  });

  it("refuses an edge to a node the graph does not have", () => {
    expect(() => findIndexedCycle(2, (i, add) => add(i + 1))).toThrow(RangeError);
  });
});
