import type { AutomationNodeResult } from "@strata/protocol";

/** One node of an evaluated automation condition, as the server returns it (depth first from the root). */
export type EvaluatedNode = AutomationNodeResult;

/**
 * An evaluation tree as rows of [node, true count, candidates]: each node indented two spaces
 * per level under its parent, named by its label with its operator beside it ("eager (and)"),
 * or by its operator alone.
 *
 * @example
 * ```ts
 * conditionRows([{ id: "r", parentId: null, op: "and", label: "eager", trueCount: 0, candidateCount: 1 }]);
 * // [["eager (and)", "0", "1"]]
 * ```
 */
export function conditionRows(nodes: readonly EvaluatedNode[]): string[][] {
  const depth = new Map<string, number>();
  return nodes.map((node) => {
    const level = node.parentId === null ? 0 : (depth.get(node.parentId) ?? 0) + 1;
    depth.set(node.id, level);
    const name = node.label ? `${node.label} (${node.op})` : node.op;
    return [`${"  ".repeat(level)}${name}`, String(node.trueCount), String(node.candidateCount)];
  });
}
