/** `downstream` depends on `upstream`. */
export interface Edge {
  upstream: string;
  downstream: string;
}

/**
 * The assets reachable from `root` along `edges` in one direction, as an indented tree drawn
 * with box characters. The graph is a DAG, not a tree: an asset reached a second time is
 * printed with "(see above)" and not expanded again, so a diamond costs one line, not a
 * subtree. `describe` adds a note after each key (its location, "not defined"...).
 *
 * @example
 * ```ts
 * lineageTree("sales/revenue", edges, "upstream").join("\n");
 * // sales/revenue
 * // └── sales/clean_orders
 * //     ├── sales/customers
 * //     └── sales/orders
 * ```
 */
export function lineageTree(
  root: string,
  edges: readonly Edge[],
  direction: "upstream" | "downstream",
  describe: (key: string) => string = () => "",
): string[] {
  const next = new Map<string, string[]>();
  for (const edge of edges) {
    const [from, to] = direction === "upstream" ? [edge.downstream, edge.upstream] : [edge.upstream, edge.downstream];
    next.set(from, [...(next.get(from) ?? []), to]);
  }
  const seen = new Set<string>([root]);
  const lines = [withNote(root, describe(root))];
  const walk = (key: string, prefix: string) => {
    const children = [...new Set(next.get(key) ?? [])].sort();
    children.forEach((child, i) => {
      const last = i === children.length - 1;
      const repeated = seen.has(child);
      seen.add(child);
      lines.push(`${prefix}${last ? "└── " : "├── "}${withNote(child, repeated ? "(see above)" : describe(child))}`);
      if (!repeated) walk(child, `${prefix}${last ? "    " : "│   "}`);
    });
  };
  walk(root, "");
  return lines;
}

function withNote(key: string, note: string): string {
  return note ? `${key}  ${note}` : key;
}
