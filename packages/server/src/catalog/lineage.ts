import type { Sql } from "../db/sql.js";
import { InvalidArgumentError } from "../errors.js";
import { adjacency, edgesFrom, reachableKeys, walkLevels, type LineageDirection } from "./lineage-walk.js";

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
 * cross code locations; an upstream key may belong to no location yet. Each key and edge is
 * visited once whatever the depth, so the work is bounded by what the walk reaches.
 */
export async function walkLineage(
  sql: Sql,
  keys: readonly string[],
  direction: LineageDirection,
  depth: number | null | undefined,
  argument = "depth",
): Promise<string[]> {
  const limit = checkDepth(depth, argument);
  if (keys.length === 0 || limit === 0) return [];
  let reached: Set<string>;
  if (limit === null) {
    reached = new Set(await reachableKeys(sql, keys, direction));
  } else {
    const known = new Map<string, string[]>();
    const learn = async (unknown: string[]) => {
      for (const [key, neighbours] of adjacency(unknown, await edgesFrom(sql, unknown, direction))) known.set(key, neighbours);
    };
    reached = await walkLevels(keys, limit, (key) => known.get(key), learn);
  }
  for (const key of keys) reached.delete(key);
  return [...reached].sort();
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
