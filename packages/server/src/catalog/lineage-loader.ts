import type { Sql } from "../db/sql.js";
import { InvalidArgumentError } from "../errors.js";
import { checkDepth } from "./lineage.js";
import { type LineageGraph, lineageGraph } from "./lineage-graph.js";
import type { LineageDirection as Direction } from "./lineage-walk.js";

/** Assets all `upstream`/`downstream` fields of one request may return together. */
export const MAX_NESTED_LINEAGE_RESULTS = 10_000;

/**
 * The lineage one request sees, shared by all its nested `upstream`/`downstream` fields: the graph
 * is looked up once per request (lineage-graph.ts, cached per location versions), and each field
 * walks it in memory, visiting each node and edge at most once whatever its depth. What the fields
 * return together is capped (MAX_NESTED_LINEAGE_RESULTS).
 */
export class LineageLoader {
  #graph: Promise<LineageGraph> | null = null;
  #returned = 0;

  constructor(private readonly sql: Sql) {}

  /** The keys within `depth` edges of `key` (null: all) in `direction`, sorted, without it. */
  async walk(key: string, direction: Direction, depth: number | null | undefined): Promise<string[]> {
    const limit = checkDepth(depth, "depth");
    this.#graph ??= lineageGraph(this.sql);
    const graph = await this.#graph;
    const start = graph.index.get(key);
    if (start === undefined || limit === 0) return [];
    const marks = new Uint8Array(graph.keys.length);
    const count = graph.walk([start], direction, limit, marks) - 1;
    this.#returned += count;
    if (this.#returned > MAX_NESTED_LINEAGE_RESULTS) {
      throw new InvalidArgumentError(
        "depth",
        `the upstream/downstream fields of this query would return more than ${MAX_NESTED_LINEAGE_RESULTS} assets together; ask for less depth or fewer nested levels (the lineage query draws a whole neighbourhood at once)`,
      );
    }
    marks[start] = 0;
    return graph.keysOf(marks);
  }
}

const loaders = new WeakMap<object, LineageLoader>();

/** The request's loader (`context` is per request). */
export function lineageLoader(context: object, sql: Sql): LineageLoader {
  let loader = loaders.get(context);
  if (!loader) loaders.set(context, (loader = new LineageLoader(sql)));
  return loader;
}
