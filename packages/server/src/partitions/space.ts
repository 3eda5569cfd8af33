import { type PartitionSpace, type PartitionsDefinition, partitionSpace } from "@strata/protocol";
import type { Sql } from "../db/sql.js";

/** The names of the dynamic partitions a definition reads (its own, or its dimensions'). */
function dynamicNames(def: PartitionsDefinition): string[] {
  if (def.kind === "dynamic") return [def.name];
  if (def.kind === "multi") return def.dimensions.flatMap((d) => (d.partitions.kind === "dynamic" ? [d.partitions.name] : []));
  return [];
}

/** The keys of dynamic partitions definitions, in the order they were added. */
export async function readDynamicKeys(sql: Sql, names: readonly string[]): Promise<Map<string, string[]>> {
  const keys = new Map<string, string[]>(names.map((name) => [name, []]));
  if (names.length === 0) return keys;
  const rows = await sql.query<{ name: string; key: string }>(
    `SELECT name, key FROM "DynamicPartition" WHERE name = ANY($1::text[]) ORDER BY "createdAt", key`,
    [names],
  );
  for (const row of rows) keys.get(row.name)?.push(row.key);
  return keys;
}

/**
 * The partitions of a definition as they exist at `now`, dynamic keys read from the database.
 *
 * @example
 * const space = await loadSpace(sql, def);
 * space.count; // e.g. 91 daily partitions
 */
export async function loadSpace(sql: Sql, def: PartitionsDefinition, now = new Date()): Promise<PartitionSpace> {
  const keys = await readDynamicKeys(sql, dynamicNames(def));
  return partitionSpace(def, { now, dynamicKeys: (name) => keys.get(name) ?? [] });
}

// A time window's ordinal does not depend on `now`; a space evaluated far ahead indexes every
// key a run or a report can name, including the current window's.
const INDEXING_HORIZON_MS = 50 * 366 * 24 * 3600 * 1000;

/**
 * The ordinal of each time-window key, for the status table's `timeIndex` (null for static
 * and dynamic keys, which are ordered by the definition at read time).
 */
export function timeIndexer(def: PartitionsDefinition): (key: string) => number | null {
  if (def.kind !== "time_window") return () => null;
  const space = partitionSpace(def, { now: new Date(Date.now() + INDEXING_HORIZON_MS) });
  return (key) => space.indexOf(key);
}

/** Partitions definitions of assets, by key (assets without one are left out). */
export async function readPartitionsDefinitions(sql: Sql, assetKeys: readonly string[]): Promise<Map<string, PartitionsDefinition>> {
  if (assetKeys.length === 0) return new Map();
  const rows = await sql.query<{ key: string; partitions: PartitionsDefinition }>(
    `SELECT n.key, n.partitions FROM (SELECT DISTINCT unnest($1::text[]) AS key) k JOIN "AssetNode" n ON n.key = k.key WHERE n.partitions IS NOT NULL`,
    [assetKeys],
  );
  return new Map(rows.map((r) => [r.key, r.partitions]));
}

/**
 * Whether `key` names a partition of `def`: any window from its start (and before its end) for
 * time windows, including ones that have not begun; a current key for the other kinds.
 */
export async function isPartitionKey(sql: Sql, def: PartitionsDefinition, key: string): Promise<boolean> {
  if (def.kind === "time_window") return timeIndexer(def)(key) !== null;
  return (await loadSpace(sql, def)).indexOf(key) !== null;
}
