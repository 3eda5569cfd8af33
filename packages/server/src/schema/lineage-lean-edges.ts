import { type ExecutionResult, type FieldNode, getOperationAST, type GraphQLResolveInfo } from "graphql";
import type { Plugin } from "graphql-yoga";
import type { LineageEdge } from "../catalog/lineage.js";

/** An edges field answered after execution: where it sits in `data`, its items' keys and what each holds. */
interface Deferred {
  path: (string | number)[];
  fields: [responseKey: string, value: "upstream" | "downstream" | "__typename"][];
  edges: readonly LineageEdge[];
}

const deferredOf = new WeakMap<object, Deferred[]>();

/**
 * The response keys of a `Lineage.edges` selection made of `upstream`, `downstream` and
 * `__typename` only (aliases allowed; no arguments, directives or fragments), in the order
 * graphql-js would give them, or null for any other selection.
 */
function leanFields(fieldNodes: readonly FieldNode[]): Deferred["fields"] | null {
  const fields: Deferred["fields"] = [];
  const seen = new Set<string>();
  for (const node of fieldNodes) {
    for (const selection of node.selectionSet?.selections ?? []) {
      if (selection.kind !== "Field" || selection.arguments?.length || selection.directives?.length) return null;
      const name = selection.name.value;
      if (name !== "upstream" && name !== "downstream" && name !== "__typename") return null;
      const key = selection.alias?.value ?? name;
      if (seen.has(key)) continue;
      seen.add(key);
      fields.push([key, name]);
    }
  }
  return fields;
}

function pathOf(info: GraphQLResolveInfo): (string | number)[] {
  const path: (string | number)[] = [];
  for (let p: GraphQLResolveInfo["path"] | undefined = info.path; p; p = p.prev) path.push(p.key);
  return path.reverse();
}

/**
 * What `Lineage.edges` resolves to. graphql-js completes a list of objects one field at a time,
 * with a resolve-info object, a path entry and a promise check for each: for the ~30,000 edges
 * around a hub of a 10,000-asset graph that was most of the request's CPU and a stall of the event
 * loop. When the request runs under `useLeanLineageEdges` and the selection is plain, this returns
 * an empty list to graphql-js and the plugin puts the edges, built as the selection asks, in its
 * place in the result; otherwise the edges, for graphql-js to complete as usual.
 */
export function lineageEdgesField(context: object, info: GraphQLResolveInfo, edges: readonly LineageEdge[]): readonly LineageEdge[] {
  const deferred = deferredOf.get(context);
  const fields = deferred && edges.length > 0 ? leanFields(info.fieldNodes) : null;
  if (!deferred || !fields) return edges;
  deferred.push({ path: pathOf(info), fields, edges });
  return [];
}

/** Puts each deferred edges list in its place in `data` (a place nulled by an error stays null). */
function fillIn(data: Record<string, unknown>, deferred: readonly Deferred[]) {
  for (const { path, fields, edges } of deferred) {
    let parent: unknown = data;
    for (const key of path.slice(0, -1))
      parent = parent === null || parent === undefined ? parent : (parent as Record<string, unknown>)[key];
    if (parent === null || typeof parent !== "object") continue;
    // Edges are built as { upstream, downstream }: asked just so, they are the answer already.
    const asBuilt =
      fields.length === 2 &&
      fields[0]![0] === "upstream" &&
      fields[0]![1] === "upstream" &&
      fields[1]![0] === "downstream" &&
      fields[1]![1] === "downstream";
    if (asBuilt) {
      (parent as Record<string, unknown>)[path.at(-1)!] = edges;
      continue;
    }
    const items = new Array<Record<string, string>>(edges.length);
    for (let i = 0; i < edges.length; i++) {
      const edge = edges[i]!;
      const item: Record<string, string> = {};
      for (const [key, value] of fields) item[key] = value === "__typename" ? "LineageEdge" : edge[value];
      items[i] = item;
    }
    (parent as Record<string, unknown>)[path.at(-1)!] = items;
  }
}

/**
 * Answers `Lineage.edges` outside graphql-js's per-field execution (see `lineageEdgesField`), for
 * queries; the result is the same, field for field.
 */
export function useLeanLineageEdges(): Plugin {
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      if (getOperationAST(args.document, args.operationName)?.operation !== "query") return;
      if (typeof args.contextValue !== "object" || args.contextValue === null) return;
      const context = args.contextValue as object;
      setExecuteFn(async (executeArgs) => {
        const deferred: Deferred[] = [];
        deferredOf.set(context, deferred);
        try {
          const result = (await executeFn(executeArgs)) as ExecutionResult | AsyncIterable<unknown>;
          if (deferred.length > 0 && "data" in result && result.data) fillIn(result.data as Record<string, unknown>, deferred);
          return result as never;
        } finally {
          deferredOf.delete(context);
        }
      });
    },
  };
}
