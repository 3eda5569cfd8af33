import type { Sql } from "../db/sql.js";
import { tickBatcher } from "../db/tick-batch.js";

const dependencyBatch = tickBatcher<string[]>();

/**
 * The keys `key` depends on (its AssetDependency rows), in the database's order of keys. The
 * calls one request makes in the same tick (`dependencyKeys` of each asset of a page) share one
 * statement. `context` is per request.
 */
export async function dependencyKeys(context: object, sql: Sql, key: string): Promise<string[]> {
  const deps = await dependencyBatch(context, null, [key], async (keys) => {
    const rows = await sql.query<{ key: string; deps: string[] }>(
      `SELECT k.key, array_to_json(array_agg(d."upstreamKey" ORDER BY d."upstreamKey")) AS deps
         FROM unnest($1::text[]) AS k(key) JOIN "AssetDependency" d ON d."downstreamKey" = k.key GROUP BY k.key`,
      [keys],
    );
    return new Map(rows.map((row) => [row.key, row.deps]));
  });
  return deps.get(key) ?? [];
}
