/**
 * Finds a cycle in a directed graph and returns it as a closed path (`[a, b, a]`), or `null`.
 * Iterative, so a chain of thousands of assets cannot overflow the stack. The search's stack is
 * three parallel arrays rather than an object and a closure per node: for 100,000 assets those
 * allocations were most of its time.
 */
export function findCycle(nodes: readonly string[], edgesOf: (node: string) => readonly string[]): string[] | null {
  const state = new Map<string, 1 | 2>(); // 1: on the current path, 2: fully explored
  // The current path, each node with its edges and the next edge to follow.
  const path: string[] = [];
  const edges: (readonly string[])[] = [];
  const next: number[] = [];
  for (const start of nodes) {
    if (state.has(start)) continue;
    state.set(start, 1);
    path.push(start);
    edges.push(edgesOf(start));
    next.push(0);
    while (path.length > 0) {
      const top = path.length - 1;
      const out = edges[top]!;
      if (next[top]! >= out.length) {
        state.set(path[top]!, 2);
        path.pop();
        edges.pop();
        next.pop();
        continue;
      }
      const target = out[next[top]!++]!;
      const seen = state.get(target);
      if (seen === 1) return [...path.slice(path.indexOf(target)), target];
      if (seen === undefined) {
        state.set(target, 1);
        path.push(target);
        edges.push(edgesOf(target));
        next.push(0);
      }
    }
  }
  return null;
}

/**
 * Orders nodes so that each comes after the nodes it depends on; ties keep `nodes` order.
 * Upstream nodes not in `nodes` are ignored. Assumes no cycle: the nodes on or behind one are
 * left out. Nodes are numbered once and the edges kept in typed arrays (Kahn's algorithm).
 * @internal
 */
export function topologicalOrder(nodes: readonly string[], upstreamOf: (node: string) => readonly string[]): string[] {
  const count = nodes.length;
  const index = new Map<string, number>();
  for (let i = 0; i < count; i++) if (!index.has(nodes[i]!)) index.set(nodes[i]!, i);
  // Each edge, upstream → downstream, in the order of `nodes`.
  const from: number[] = [];
  const to: number[] = [];
  const pending = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    if (index.get(nodes[i]!) !== i) continue; // a repeated node counts once
    for (const up of upstreamOf(nodes[i]!)) {
      const j = index.get(up);
      if (j === undefined) continue;
      from.push(j);
      to.push(i);
      pending[i]!++;
    }
  }
  // Each node's downstream nodes, contiguous: those of node j at first[j] .. first[j + 1].
  const first = new Int32Array(count + 1);
  for (const j of from) first[j + 1]!++;
  for (let j = 0; j < count; j++) first[j + 1]! += first[j]!;
  const downstream = new Int32Array(from.length);
  const fill = first.slice(0, count);
  for (let e = 0; e < from.length; e++) downstream[fill[from[e]!]!++] = to[e]!;
  const queue = new Int32Array(count);
  let tail = 0;
  for (let i = 0; i < count; i++) if (pending[i] === 0 && index.get(nodes[i]!) === i) queue[tail++] = i;
  for (let head = 0; head < tail; head++) {
    const j = queue[head]!;
    for (let e = first[j]!; e < first[j + 1]!; e++) {
      const d = downstream[e]!;
      if (--pending[d]! === 0) queue[tail++] = d;
    }
  }
  const order = new Array<string>(tail);
  for (let k = 0; k < tail; k++) order[k] = nodes[queue[k]!]!;
  return order;
}
