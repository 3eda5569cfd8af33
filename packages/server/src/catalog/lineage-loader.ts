import type { Sql } from "../db/sql.js";
import { InvalidArgumentError } from "../errors.js";
import { checkDepth } from "./lineage.js";
import { adjacency, edgesFrom, reachableEdges, walkLevels, type LineageDirection as Direction } from "./lineage-walk.js";

/** Assets all `upstream`/`downstream` fields of one request may return together. */
export const MAX_NESTED_LINEAGE_RESULTS = 10_000;

interface Fetch {
  keys: Set<string>;
  /** The furthest any waiting walk must see beyond these keys (null: no limit). */
  depth: number | null;
  done: Promise<void>;
}

/**
 * The lineage one request has seen, shared by all its nested `upstream`/`downstream` fields: a
 * query that asks for the upstream of each of 80 assets, five levels deep, walks the graph from
 * all of them at once, level by level, instead of 400 times. Edges are fetched once per request
 * and reused, so the database work is bounded by the part of the graph the request touches; what
 * the fields return together is capped (MAX_NESTED_LINEAGE_RESULTS).
 */
export class LineageLoader {
  /** Each key whose neighbours in that direction are known, with them. */
  readonly #neighbours: Record<Direction, Map<string, string[]>> = { upstream: new Map(), downstream: new Map() };
  readonly #pending: Record<Direction, Fetch | null> = { upstream: null, downstream: null };
  #returned = 0;

  constructor(private readonly sql: Sql) {}

  /** As `walkLineage` for one key: the keys within `depth` edges of it (null: all), sorted, without it. */
  async walk(key: string, direction: Direction, depth: number | null | undefined): Promise<string[]> {
    const limit = checkDepth(depth, "depth");
    for (;;) {
      const { reached, unknown } = this.#search(key, direction, limit);
      if (unknown.size === 0) {
        reached.delete(key);
        this.#returned += reached.size;
        if (this.#returned > MAX_NESTED_LINEAGE_RESULTS) {
          throw new InvalidArgumentError(
            "depth",
            `the upstream/downstream fields of this query would return more than ${MAX_NESTED_LINEAGE_RESULTS} assets together; ask for less depth or fewer nested levels (the lineage query draws a whole neighbourhood at once)`,
          );
        }
        return [...reached].sort();
      }
      let furthest: number | null = 0;
      for (const remaining of unknown.values()) furthest = furthest === null || remaining === null ? null : Math.max(furthest, remaining);
      await this.#fetch(direction, unknown.keys(), furthest);
    }
  }

  /**
   * A breadth-first walk over what is known. `unknown`: keys reached whose neighbours are not
   * known yet though the walk must go on from them, with how much further it must go.
   */
  #search(start: string, direction: Direction, limit: number | null) {
    const known = this.#neighbours[direction];
    const reached = new Set([start]);
    const unknown = new Map<string, number | null>();
    let frontier = [start];
    for (let level = 0; frontier.length > 0 && (limit === null || level < limit); level++) {
      const next: string[] = [];
      for (const key of frontier) {
        const neighbours = known.get(key);
        if (!neighbours) {
          unknown.set(key, limit === null ? null : limit - level);
          continue;
        }
        for (const neighbour of neighbours) {
          if (reached.has(neighbour)) continue;
          reached.add(neighbour);
          next.push(neighbour);
        }
      }
      frontier = next;
    }
    return { reached, unknown };
  }

  /** Joins the fetch of this tick (every sibling field asks in the same tick), or starts it. */
  #fetch(direction: Direction, keys: Iterable<string>, depth: number | null): Promise<void> {
    let fetch = this.#pending[direction];
    if (!fetch) {
      const started: Fetch = { keys: new Set(), depth: 0, done: Promise.resolve() };
      started.done = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        this.#pending[direction] = null;
        return this.#load(direction, [...started.keys], started.depth);
      });
      this.#pending[direction] = fetch = started;
    }
    for (const key of keys) fetch.keys.add(key);
    fetch.depth = fetch.depth === null || depth === null ? null : Math.max(fetch.depth, depth);
    return fetch.done;
  }

  /**
   * Makes known the neighbours of every key within `depth - 1` edges of `keys` (null: of every
   * reachable key), expanding each key once: without a bound in one recursive statement, with one
   * breadth-first, passing through known keys in memory and asking once per level for the rest.
   */
  async #load(direction: Direction, keys: string[], depth: number | null): Promise<void> {
    const known = this.#neighbours[direction];
    const learn = (neighbours: Map<string, string[]>) => {
      for (const [key, list] of neighbours) if (!known.has(key)) known.set(key, list);
    };
    if (depth === null) {
      learn(adjacency(keys, await reachableEdges(this.sql, keys, direction)));
      return;
    }
    await walkLevels(
      keys,
      depth,
      (key) => known.get(key),
      async (unknown) => learn(adjacency(unknown, await edgesFrom(this.sql, unknown, direction))),
    );
  }
}

const loaders = new WeakMap<object, LineageLoader>();

/** The request's loader (`context` is per request). */
export function lineageLoader(context: object, sql: Sql): LineageLoader {
  let loader = loaders.get(context);
  if (!loader) loaders.set(context, (loader = new LineageLoader(sql)));
  return loader;
}
