import {
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionNode,
  type ValueNode,
} from "graphql";

/**
 * What one operation may ask for at most: its cost, and the number of aliases, nesting levels and
 * tokens in its text. The cost is the number of field resolutions it may need: each field counts
 * once for every item of every page around it, so `first: 500` inside `first: 500` multiplies its
 * fields by 250,000. A full page of 500 assets with their definitions and latest materialization
 * costs ~7,000; the SDK's `runLog` at its largest page (10,000 events) ~100,000; a page of runs
 * with nested pages of materializations, millions.
 */
export const QUERY_LIMITS = { maxDepth: 15, maxCost: 200_000, maxAliases: 30, maxTokens: 5_000 } as const;

/**
 * The cost of `operation` with these variable values. A page size given through a variable
 * counts like a literal one (the variable's value, else its default), so a query cannot slip past
 * the limit by moving `first: 500` into `$first`. Fragments and inline fragments are not levels
 * of their own: their fields count as if written in place. graphql-armor's formula (times 1.5 per
 * level, fragment spreads as levels) charged the SDK's own 10,000-event `runLog` ~860,000 while
 * scalars are cheap, so it is not used. Runs per request, after validation (whose results are
 * cached per document, so it cannot see variables).
 */
export function operationCost(
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>>,
): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions)
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  const defaults = new Map<string, ValueNode>();
  for (const definition of operation.variableDefinitions ?? []) {
    if (definition.defaultValue) defaults.set(definition.variable.name.value, definition.defaultValue);
  }
  const pageSize = (value: ValueNode): number => {
    if (value.kind === Kind.INT) return Number.parseInt(value.value, 10);
    if (value.kind !== Kind.VARIABLE) return 1;
    const name = value.name.value;
    const given = variables[name];
    if (typeof given === "number" && Number.isFinite(given)) return given;
    const fallback = defaults.get(name);
    return fallback?.kind === Kind.INT ? Number.parseInt(fallback.value, 10) : 1;
  };
  // Per fragment, its cost for one item (validation already refused fragment cycles; `visiting`
  // only guards against a repeat while one is being measured).
  const fragmentCosts = new Map<string, number>();
  const visiting = new Set<string>();
  const selectionsCost = (selections: readonly SelectionNode[]): number => selections.reduce((sum, selection) => sum + cost(selection), 0);
  const cost = (node: SelectionNode): number => {
    if (node.kind === Kind.FRAGMENT_SPREAD) {
      const name = node.name.value;
      let inner = fragmentCosts.get(name);
      if (inner === undefined) {
        const fragment = fragments.get(name);
        if (!fragment || visiting.has(name)) return 0;
        visiting.add(name);
        inner = selectionsCost(fragment.selectionSet.selections);
        visiting.delete(name);
        fragmentCosts.set(name, inner);
      }
      return inner;
    }
    if (node.kind === Kind.INLINE_FRAGMENT) return selectionsCost(node.selectionSet.selections);
    if (node.name.value === "__schema") return 0; // introspection is free
    if (!node.selectionSet) return 1;
    const page = node.arguments?.find((a) => a.name.value === "first" || a.name.value === "last");
    return 1 + Math.max(page ? pageSize(page.value) : 1, 1) * selectionsCost(node.selectionSet.selections);
  };
  return selectionsCost(operation.selectionSet.selections);
}
