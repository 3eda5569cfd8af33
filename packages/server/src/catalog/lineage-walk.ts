import type { Sql } from "../db/sql.js";

/** Towards dependencies (upstream) or dependents (downstream). */
export type LineageDirection = "upstream" | "downstream";

/** One edge leaving `key` in the walk's direction; `next` is null for a key with none. */
export interface LineageStep {
  key: string;
  next: string | null;
}

/** The edge columns a walk in `direction` follows, from one key to the next. */
function followed(direction: LineageDirection): { from: string; to: string } {
  return direction === "upstream" ? { from: '"downstreamKey"', to: '"upstreamKey"' } : { from: '"upstreamKey"', to: '"downstreamKey"' };
}

/** Each edge leaving `keys` in `direction`: one level of a breadth-first walk. */
export function edgesFrom(sql: Sql, keys: readonly string[], direction: LineageDirection): Promise<LineageStep[]> {
  const { from, to } = followed(direction);
  const text = `SELECT d.${from} AS key, d.${to} AS next FROM "AssetDependency" d WHERE d.${from} = ANY($1::text[])`;
  return sql.query<LineageStep>(text, [keys]);
}

/**
 * `walk(key)`: each key reachable from the keys in $1, themselves included, in one statement.
 * UNION over the key alone drops a key reached before, so each is expanded once and any graph
 * (cycles included) ends. Neighbours are read in a LATERAL subquery fenced by OFFSET 0, so the
 * plan is one index probe per key reached: left free, the planner may pick a hash join that reads
 * the whole edge table at every level (650 ms instead of 70 ms downstream of a hub in a
 * 10,000-asset DAG with a 300-asset chain).
 */
function reachable(direction: LineageDirection) {
  const { from, to } = followed(direction);
  const neighbours = `LATERAL (SELECT d.${to} AS next FROM "AssetDependency" d WHERE d.${from} = w.key OFFSET 0) n`;
  return {
    neighbours,
    walk: `WITH RECURSIVE walk(key) AS (SELECT unnest($1::text[]) UNION SELECT n.next FROM walk w CROSS JOIN ${neighbours})`,
  };
}

/** Each key reachable from `keys`, themselves included (see `reachable`). */
export async function reachableKeys(sql: Sql, keys: readonly string[], direction: LineageDirection): Promise<string[]> {
  const rows = await sql.query<{ key: string }>(`${reachable(direction).walk} SELECT key FROM walk`, [keys]);
  return rows.map((r) => r.key);
}

/** Each key reachable from `keys`, themselves included, with each edge leaving it (see `reachable`). */
export function reachableEdges(sql: Sql, keys: readonly string[], direction: LineageDirection): Promise<LineageStep[]> {
  const { walk, neighbours } = reachable(direction);
  return sql.query<LineageStep>(`${walk} SELECT w.key, n.next FROM walk w LEFT JOIN ${neighbours} ON true`, [keys]);
}

/**
 * Walks breadth-first from `start` for at most `depth` levels and returns every key it reaches,
 * `start` included. `neighbours` gives each key's neighbours if known; `fetch` is called once per
 * level with the keys of that level whose neighbours are not, and must make them known.
 *
 * Each key is expanded once, at its shortest distance. A recursive CTE cannot do that under a
 * depth bound: the level must travel with the key, and UNION then keeps a key once per distance
 * it is reached at, which on a deep DAG is close to once per level (5 s for depth 300 on 10,000
 * assets). Awaiting each level also lets other requests run between levels.
 */
export async function walkLevels(
  start: Iterable<string>,
  depth: number,
  neighbours: (key: string) => readonly string[] | undefined,
  fetch: (keys: string[]) => Promise<void>,
): Promise<Set<string>> {
  const reached = new Set(start);
  let frontier = [...reached];
  for (let level = 0; frontier.length > 0 && level < depth; level++) {
    const unknown = frontier.filter((key) => neighbours(key) === undefined);
    if (unknown.length > 0) await fetch(unknown);
    const next: string[] = [];
    for (const key of frontier) {
      for (const neighbour of neighbours(key)!) {
        if (reached.has(neighbour)) continue;
        reached.add(neighbour);
        next.push(neighbour);
      }
    }
    frontier = next;
  }
  return reached;
}

/** The neighbours of each key `steps` start from, and an empty list for each of `keys` they do not. */
export function adjacency(keys: readonly string[], steps: readonly LineageStep[]): Map<string, string[]> {
  const neighbours = new Map<string, string[]>(keys.map((key) => [key, []]));
  for (const { key, next } of steps) {
    let list = neighbours.get(key);
    if (!list) neighbours.set(key, (list = []));
    if (next !== null) list.push(next);
  }
  return neighbours;
}
