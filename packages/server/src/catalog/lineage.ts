import type { Sql } from "../db/sql.js";
import { InvalidArgumentError } from "../errors.js";
import { lineageGraph } from "./lineage-graph.js";

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
 * The piece of the graph around `keys` (null: the whole graph): each key, what lies upstream and
 * downstream of it within the depths (null: no limit), sorted, and the edges among them ordered by
 * downstream then upstream key. Edges cross code locations; an upstream key may belong to no
 * location yet, and a start key to none at all (it is returned, without edges, if it is an asset).
 * Every key returned has its "Asset" row. The walks run in
 * memory over the cached graph (lineage-graph.ts), each node and edge visited once whatever the depth.
 */
export async function lineageAround(
  sql: Sql,
  keys: readonly string[] | null,
  upstreamDepth: number | null | undefined,
  downstreamDepth: number | null | undefined,
): Promise<{ keys: string[]; edges: LineageEdge[] }> {
  const up = checkDepth(upstreamDepth, "upstreamDepth");
  const down = checkDepth(downstreamDepth, "downstreamDepth");
  const graph = await lineageGraph(sql);
  const marks = new Uint8Array(graph.keys.length);
  if (keys === null) {
    marks.fill(1);
    return { keys: [...graph.keys], edges: graph.edgesAmong(marks) };
  }
  const start = keys.flatMap((key) => graph.index.get(key) ?? []);
  graph.walk(start, "upstream", up, marks);
  // The downstream walk starts again from the keys, not from what the upstream one reached.
  const downstream = new Uint8Array(graph.keys.length);
  graph.walk(start, "downstream", down, downstream);
  for (let i = 0; i < marks.length; i++) marks[i]! |= downstream[i]!;
  const found = graph.keysOf(marks);
  // A start key outside the graph is a node if it is an asset at all (reported, never defined).
  const outside = keys.filter((key) => !graph.index.has(key));
  const unknown = outside.length
    ? (await sql.query<{ key: string }>(`SELECT key FROM "Asset" WHERE key = ANY($1::text[])`, [outside])).map((r) => r.key)
    : [];
  return {
    keys: unknown.length ? [...new Set([...found, ...unknown])].sort() : found,
    edges: graph.edgesAmong(marks),
  };
}
