import type { Sql } from "../db/sql.js";

/** Towards dependencies (upstream) or dependents (downstream). */
export type LineageDirection = "upstream" | "downstream";

/** The edge columns a walk in `direction` follows, from one key to the next. */
function followed(direction: LineageDirection): { from: string; to: string } {
  return direction === "upstream" ? { from: '"downstreamKey"', to: '"upstreamKey"' } : { from: '"upstreamKey"', to: '"downstreamKey"' };
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
  return `WITH RECURSIVE walk(key) AS (SELECT unnest($1::text[]) UNION SELECT n.next FROM walk w CROSS JOIN ${neighbours})`;
}

/**
 * Each key reachable from `keys`, themselves included (see `reachable`). In SQL, not over the
 * cached graph (lineage-graph.ts): a registration's transaction asks it about edges not yet committed.
 */
export async function reachableKeys(sql: Sql, keys: readonly string[], direction: LineageDirection): Promise<string[]> {
  const rows = await sql.query<{ key: string }>(`${reachable(direction)} SELECT key FROM walk`, [keys]);
  return rows.map((r) => r.key);
}
