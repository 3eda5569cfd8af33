import type { AutomationEvaluation } from "@strata/sdk";

type EvaluationNode = AutomationEvaluation["nodes"][number];

/**
 * An evaluation's condition nodes (flat, depth first, linked by `parentId`) as a nested list:
 * each node's label (or operator) and for how many of its candidates it was true.
 */
export function EvaluationTree({ nodes }: { nodes: readonly EvaluationNode[] }) {
  const children = new Map<string | null, EvaluationNode[]>();
  for (const node of nodes) {
    const siblings = children.get(node.parentId) ?? [];
    siblings.push(node);
    children.set(node.parentId, siblings);
  }
  const render = (parentId: string | null) => {
    const list = children.get(parentId);
    if (!list) return null;
    return (
      <ul className="tree">
        {list.map((node) => (
          <li key={node.id} data-testid="evaluation-node">
            <span className={node.trueCount > 0 ? "node-true" : "node-false"}>{node.label ?? node.op}</span>
            {node.label && <span className="muted"> {node.op}</span>}{" "}
            <span className="counts" title="true / candidates">
              {node.trueCount.toLocaleString()} / {node.candidateCount.toLocaleString()}
            </span>
            {render(node.id)}
          </li>
        ))}
      </ul>
    );
  };
  return render(null);
}
