/**
 * Finds a cycle in a directed graph and returns it as a closed path (`[a, b, a]`), or `null`.
 * Iterative, so a chain of thousands of assets cannot overflow the stack.
 */
export function findCycle(nodes: readonly string[], edgesOf: (node: string) => readonly string[]): string[] | null {
  const state = new Map<string, 1 | 2>(); // 1: on the current path, 2: fully explored
  for (const start of nodes) {
    if (state.has(start)) continue;
    const path: string[] = [];
    const stack: { node: string; edges: readonly string[]; next: number }[] = [];
    const enter = (node: string) => {
      state.set(node, 1);
      path.push(node);
      stack.push({ node, edges: edgesOf(node), next: 0 });
    };
    enter(start);
    while (stack.length > 0) {
      const frame = stack[stack.length - 1]!;
      if (frame.next >= frame.edges.length) {
        state.set(frame.node, 2);
        stack.pop();
        path.pop();
        continue;
      }
      const target = frame.edges[frame.next++]!;
      const seen = state.get(target);
      if (seen === 1) return [...path.slice(path.indexOf(target)), target];
      if (seen === undefined) enter(target);
    }
  }
  return null;
}

/**
 * Orders nodes so that each comes after the nodes it depends on; ties keep `nodes` order.
 * Assumes no cycle.
 * @internal
 */
export function topologicalOrder(nodes: readonly string[], upstreamOf: (node: string) => readonly string[]): string[] {
  const pending = new Map<string, number>();
  const downstream = new Map<string, string[]>();
  const known = new Set(nodes);
  for (const node of nodes) {
    const ups = upstreamOf(node).filter((u) => known.has(u));
    pending.set(node, ups.length);
    for (const up of ups) {
      const list = downstream.get(up);
      if (list) list.push(node);
      else downstream.set(up, [node]);
    }
  }
  const order: string[] = nodes.filter((n) => pending.get(n) === 0);
  for (let i = 0; i < order.length; i++) {
    for (const next of downstream.get(order[i]!) ?? []) {
      const left = pending.get(next)! - 1;
      pending.set(next, left);
      if (left === 0) order.push(next);
    }
  }
  return order;
}
