import { type ExecutionResult, type FieldNode, getOperationAST, type GraphQLResolveInfo } from "graphql";
import type { Plugin } from "graphql-yoga";

/** A list answered after execution: where it sits in `data`, and its items as the selection asks. */
interface Deferred {
  path: (string | number)[];
  build(): unknown[];
}

const deferredOf = new WeakMap<object, Deferred[]>();

/** Each leaf field a lean list may hold, with how to read it from an item. */
export type Leaves<T> = Record<string, (item: T) => string>;

/**
 * The response keys of a selection made of `leaves` and `__typename` only (aliases allowed; no
 * arguments, directives or fragments), each with its field, in the order graphql-js would give
 * them; null for any other selection.
 */
function plainSelection(fieldNodes: readonly FieldNode[], leaves: Leaves<never>): [key: string, field: string][] | null {
  const fields: [string, string][] = [];
  const seen = new Set<string>();
  for (const node of fieldNodes) {
    for (const selection of node.selectionSet?.selections ?? []) {
      if (selection.kind !== "Field" || selection.arguments?.length || selection.directives?.length) return null;
      const name = selection.name.value;
      if (name !== "__typename" && !Object.hasOwn(leaves, name)) return null;
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
 * A large list of objects of leaf fields (the lineage query's edges and, asked for their keys
 * only, its nodes) answered outside graphql-js's per-field execution. graphql-js completes a list
 * one field at a time, with a resolve-info object, a path entry and a promise check for each: for
 * the ~10,000 nodes and ~30,000 edges around a hub of a 10,000-asset graph that was most of the
 * request's CPU and a stall of the event loop. When the request runs under `useLeanLists` and the
 * field's selection is plain (see `plainSelection`), this returns an empty list for graphql-js and
 * the plugin puts the items, built as the selection asks, in its place in the result; otherwise
 * null, and the caller resolves the field as usual.
 *
 * `asIs`: when the selection is exactly these fields in this order, the items are the answer as
 * they are (no copy).
 */
export function deferLeanList<T>(
  context: object,
  info: GraphQLResolveInfo,
  items: readonly T[],
  typename: string,
  leaves: Leaves<T>,
  asIs?: readonly string[],
): [] | null {
  const deferred = deferredOf.get(context);
  const fields = deferred && items.length > 0 ? plainSelection(info.fieldNodes, leaves as Leaves<never>) : null;
  if (!deferred || !fields) return null;
  const reuse = asIs !== undefined && fields.length === asIs.length && fields.every(([key, name], i) => key === name && name === asIs[i]);
  deferred.push({
    path: pathOf(info),
    build: () =>
      reuse
        ? (items as T[])
        : items.map((item) => {
            const built: Record<string, string> = {};
            for (const [key, name] of fields) built[key] = name === "__typename" ? typename : leaves[name]!(item);
            return built;
          }),
  });
  return [];
}

/** Puts each deferred list in its place in `data` (a place nulled by an error stays null). */
function fillIn(data: Record<string, unknown>, deferred: readonly Deferred[]) {
  for (const { path, build } of deferred) {
    let parent: unknown = data;
    for (const key of path.slice(0, -1)) parent = parent === null || parent === undefined ? parent : (parent as Record<string, unknown>)[key];
    if (parent === null || typeof parent !== "object") continue;
    (parent as Record<string, unknown>)[path.at(-1)!] = build();
  }
}

/**
 * Answers the lists `deferLeanList` defers, for queries; the result is the same, field for field.
 */
export function useLeanLists(): Plugin {
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
