import { Kind, type DocumentNode, type FragmentDefinitionNode, type OperationDefinitionNode, type SelectionNode, type ValueNode } from "graphql";

/**
 * What one operation may ask for at most: its cost (1 a scalar, 2 an object, times 1.5 per level,
 * times the page size `first`/`last` of a list), and the number of aliases, nesting levels and
 * tokens in its text. A full page of 500 assets with their definitions and latest
 * materialization costs ~42,000; the SDK's `asset()` with its largest history page (500) ~167,000;
 * a page of runs with nested pages of materializations, millions.
 */
export const QUERY_LIMITS = { maxDepth: 15, maxCost: 250_000, maxAliases: 30, maxTokens: 5_000 } as const;

const SCALAR_COST = 1;
const OBJECT_COST = 2;
const DEPTH_FACTOR = 1.5;

/**
 * The cost of `operation` with these variable values: graphql-armor's cost formula, but a page
 * size given through a variable counts like a literal one (the variable's value, else its default),
 * so a query cannot slip past the limit by moving `first: 500` into `$first`. It runs per request,
 * after validation (whose results are cached per document, so it cannot see variables).
 */
export function operationCost(document: DocumentNode, operation: OperationDefinitionNode, variables: Readonly<Record<string, unknown>>): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
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
  const fragmentCosts = new Map<string, number>();
  const cost = (node: SelectionNode | FragmentDefinitionNode): number => {
    if (node.kind === Kind.FIELD && node.name.value === "__schema") return 0; // introspection is free
    if (node.kind === Kind.FRAGMENT_SPREAD) {
      const name = node.name.value;
      let inner = fragmentCosts.get(name);
      if (inner === undefined) {
        fragmentCosts.set(name, 0); // validation already refused cycles; this only stops a repeat
        const fragment = fragments.get(name);
        inner = fragment ? cost(fragment) : 0;
        fragmentCosts.set(name, inner);
      }
      return SCALAR_COST + DEPTH_FACTOR * inner;
    }
    if (!node.selectionSet) return SCALAR_COST;
    let total = OBJECT_COST;
    for (const child of node.selectionSet.selections) total += DEPTH_FACTOR * cost(child);
    const page = node.kind === Kind.FIELD ? node.arguments?.find((a) => a.name.value === "first" || a.name.value === "last") : undefined;
    return total * Math.max(page ? pageSize(page.value) : 1, 1);
  };
  return operation.selectionSet.selections.reduce((sum, selection) => sum + cost(selection), 0);
}
