import type { Sql } from "../db/sql.js";

interface Batch {
  keys: Set<string>;
  loaded: Promise<Map<string, string[]>>;
}
const batches = new WeakMap<object, Batch>();

/**
 * The keys `key` depends on (its AssetDependency rows), in the database's order of keys. The
 * calls one request makes in the same tick (`dependencyKeys` of each asset of a page) share one
 * statement. `context` is per request.
 */
export function dependencyKeys(context: object, sql: Sql, key: string): Promise<string[]> {
  let batch = batches.get(context);
  if (!batch) {
    const started: Batch = { keys: new Set(), loaded: Promise.resolve(new Map()) };
    started.loaded = new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
      batches.delete(context);
      const rows = await sql.query<{ key: string; deps: string[] }>(
        `SELECT k.key, array_to_json(array_agg(d."upstreamKey" ORDER BY d."upstreamKey")) AS deps
           FROM unnest($1::text[]) AS k(key) JOIN "AssetDependency" d ON d."downstreamKey" = k.key GROUP BY k.key`,
        [[...started.keys]],
      );
      return new Map(rows.map((row) => [row.key, row.deps]));
    });
    batches.set(context, (batch = started));
  }
  batch.keys.add(key);
  return batch.loaded.then((deps) => deps.get(key) ?? []);
}
