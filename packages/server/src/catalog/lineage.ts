import type { Sql } from "../db/sql.js";
import { InvalidArgumentError } from "../errors.js";

export const MAX_LINEAGE_DEPTH = 1000;

export interface LineageEdge {
  upstream: string;
  downstream: string;
}

export function checkDepth(depth: number | null | undefined, argument: string): number | null {
  if (depth === null || depth === undefined) return null;
  if (!Number.isInteger(depth) || depth < 0 || depth > MAX_LINEAGE_DEPTH) {
    throw new InvalidArgumentError(argument, `must be from 0 to ${MAX_LINEAGE_DEPTH}, or null for no limit`);
  }
  return depth;
}

/**
 * The keys reachable from `keys` by walking edges up (towards dependencies) or down (towards
 * dependents), at most `depth` steps (null: no limit), without the start keys, sorted. Edges
 * cross code locations; an upstream key may belong to no location yet.
 */
export async function walkLineage(
  sql: Sql,
  keys: readonly string[],
  direction: "upstream" | "downstream",
  depth: number | null | undefined,
  argument = "depth",
): Promise<string[]> {
  const limit = checkDepth(depth, argument);
  if (keys.length === 0 || limit === 0) return [];
  const [from, to] = direction === "upstream" ? ['"downstreamKey"', '"upstreamKey"'] : ['"upstreamKey"', '"downstreamKey"'];
  // Without a bound, UNION over keys alone ends on any graph (cycles included) and visits each
  // key once. With one, the level must travel along; UNION over (key, level) stays finite.
  const rows =
    limit === null
      ? await sql.query<{ key: string }>(
          `WITH RECURSIVE walk(key) AS (
             SELECT d.${to} FROM "AssetDependency" d WHERE d.${from} = ANY($1::text[])
             UNION
             SELECT d.${to} FROM walk w JOIN "AssetDependency" d ON d.${from} = w.key
           )
           SELECT key FROM walk WHERE NOT key = ANY($1::text[]) ORDER BY key`,
          [keys],
        )
      : await sql.query<{ key: string }>(
          `WITH RECURSIVE walk(key, level) AS (
             SELECT d.${to}, 1 FROM "AssetDependency" d WHERE d.${from} = ANY($1::text[])
             UNION
             SELECT d.${to}, w.level + 1 FROM walk w JOIN "AssetDependency" d ON d.${from} = w.key WHERE w.level < $2
           )
           SELECT DISTINCT key FROM walk WHERE NOT key = ANY($1::text[]) ORDER BY key`,
          [keys, limit],
        );
  return rows.map((r) => r.key);
}

/** Edges whose both ends are in `keys` (null: every edge). */
export async function edgesAmong(sql: Sql, keys: readonly string[] | null): Promise<LineageEdge[]> {
  return keys === null
    ? sql.query<LineageEdge>(`SELECT "upstreamKey" AS upstream, "downstreamKey" AS downstream FROM "AssetDependency" ORDER BY 2, 1`)
    : sql.query<LineageEdge>(
        `SELECT "upstreamKey" AS upstream, "downstreamKey" AS downstream FROM "AssetDependency"
         WHERE "downstreamKey" = ANY($1::text[]) AND "upstreamKey" = ANY($1::text[]) ORDER BY 2, 1`,
        [keys],
      );
}
