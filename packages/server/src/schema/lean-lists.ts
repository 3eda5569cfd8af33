import { Readable } from "node:stream";
import { setImmediate as nextTurn } from "node:timers/promises";
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

/** Puts each deferred list in its place in `data` (a place nulled by an error stays null); returns the lists. */
function fillIn(data: Record<string, unknown>, deferred: readonly Deferred[]): unknown[][] {
  const lists: unknown[][] = [];
  for (const { path, build } of deferred) {
    let parent: unknown = data;
    for (const key of path.slice(0, -1))
      parent = parent === null || parent === undefined ? parent : (parent as Record<string, unknown>)[key];
    if (parent === null || typeof parent !== "object") continue;
    const list = build();
    (parent as Record<string, unknown>)[path.at(-1)!] = list;
    lists.push(list);
  }
  return lists;
}

/** Items above which a result's lists are serialized in slices, and the slice. */
const STREAMED_ITEMS = 2_000;
const SLICE = 2_000;

/**
 * The JSON of `value` as a stream, each list of `lists` serialized a slice at a time with a turn
 * of the event loop between slices. Serializing and writing the ~2 MB answer around a hub of a
 * 10,000-asset graph in one go held the event loop 30-40 ms (JSON.stringify, then its UTF-8 length
 * and encoding for the socket), and a `health` request arriving meanwhile waited that long.
 */
function streamedJson(value: unknown, lists: ReadonlySet<unknown[]>): Readable {
  const marks: [mark: string, list: unknown[]][] = [];
  const frame = JSON.stringify(value, (_key, v: unknown) => {
    if (!Array.isArray(v) || !lists.has(v)) return v;
    const mark = `\u0000lean-list-${marks.length}\u0000`;
    marks.push([JSON.stringify(mark), v]);
    return mark;
  });
  async function* chunks() {
    let at = 0;
    for (const [mark, list] of marks) {
      const found = frame.indexOf(mark, at);
      yield Buffer.from(`${frame.slice(at, found)}[`);
      for (let i = 0; i < list.length; i += SLICE) {
        const json = JSON.stringify(list.slice(i, i + SLICE));
        yield Buffer.from(i === 0 ? json.slice(1, -1) : `,${json.slice(1, -1)}`);
        await nextTurn();
      }
      yield Buffer.from("]");
      at = found + mark.length;
    }
    yield Buffer.from(frame.slice(at));
  }
  return Readable.from(chunks(), { objectMode: false });
}

/** A result's own serializer: yoga's JSON result processor calls `result.stringify` when there is one. */
const STRINGIFY = "stringify";

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
          if (deferred.length > 0 && "data" in result && result.data) {
            const lists = fillIn(result.data as Record<string, unknown>, deferred);
            if (lists.reduce((n, list) => n + list.length, 0) >= STREAMED_ITEMS) {
              // A body stream where yoga expects a string: its JSON processor hands it to the
              // Response as is (see onResultProcess for the others).
              const stringify = (value: unknown) => streamedJson(value, new Set(lists));
              Object.defineProperty(result, STRINGIFY, { value: stringify, configurable: true, enumerable: false });
            }
          }
          return result as never;
        } finally {
          deferredOf.delete(context);
        }
      });
    },
    onResultProcess({ result, resultProcessor }) {
      // Only yoga's JSON processor takes a stream from `stringify`; for any other (a query asked
      // as server-sent events) the result is serialized as usual.
      if (
        resultProcessor?.name !== "processRegularResult" &&
        typeof result === "object" &&
        result !== null &&
        Object.hasOwn(result, STRINGIFY)
      ) {
        delete (result as unknown as Record<string, unknown>)[STRINGIFY];
      }
    },
  };
}
