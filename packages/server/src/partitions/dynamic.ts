import type { Sql } from "../db/sql.js";
import { InvalidArgumentError, PartitionInUseError, PartitionKeysNotFoundError } from "../errors.js";
import { readDynamicKeys } from "./space.js";

const MAX_KEYS = 10_000;

function checkKeys(keys: readonly string[]): string[] {
  if (keys.length === 0) throw new InvalidArgumentError("keys", "give at least one key");
  if (keys.length > MAX_KEYS) throw new InvalidArgumentError("keys", `at most ${MAX_KEYS.toLocaleString("en-US")} keys at once`);
  keys.forEach((key, i) => {
    // "|" joins the dimensions of a multi-partition key; "," and brackets separate key lists.
    if (key.length === 0 || key.length > 1024 || /[|,[\]]/.test(key)) {
      throw new InvalidArgumentError(`keys.${i}`, `"${key.slice(0, 100)}" is not a partition key: 1-1,024 characters, none of | , [ ]`);
    }
  });
  return [...new Set(keys)];
}

/** Adds keys to a dynamic partitions definition; keys it already has stay where they were. */
export async function addDynamicPartitions(sql: Sql, name: string, keys: readonly string[]): Promise<{ name: string; keys: string[] }> {
  const added = checkKeys(keys);
  await sql.query(
    `INSERT INTO "DynamicPartition" (name, key, "createdAt")
     SELECT $1, k.key, clock_timestamp() + (k.ord * interval '1 microsecond') FROM unnest($2::text[]) WITH ORDINALITY AS k(key, ord)
     ON CONFLICT DO NOTHING`,
    [name, added],
  );
  return { name, keys: (await readDynamicKeys(sql, [name])).get(name) ?? [] };
}

/**
 * Deletes keys of a dynamic partitions definition. Their materializations and statuses stay in
 * history (they no longer count among the asset's partitions). Refused, with nothing deleted,
 * when a key is unknown or a run that has not ended materializes it.
 */
export async function deleteDynamicPartitions(sql: Sql, name: string, keys: readonly string[]): Promise<{ name: string; keys: string[] }> {
  const removed = checkKeys(keys);
  return sql.transaction(async (tx) => {
    const existing = new Set((await readDynamicKeys(tx, [name])).get(name) ?? []);
    const unknown = removed.filter((k) => !existing.has(k));
    if (unknown.length) {
      throw new PartitionKeysNotFoundError(
        { keys: unknown },
        `Dynamic partitions "${name}" have no key ${unknown.map((k) => `"${k}"`).join(", ")}`,
      );
    }
    // A multi-partition run names the dynamic key as one dimension of its key.
    const users = await tx.query<{ id: string; key: string }>(
      `SELECT r.id, k.key FROM "Run" r, unnest($1::text[]) AS k(key)
       WHERE r.status IN ('QUEUED', 'STARTING', 'STARTED', 'CANCELING')
         AND (r."partitionKey" = k.key OR r."partitionKey" LIKE '%|' || k.key OR r."partitionKey" LIKE k.key || '|%' OR r."partitionKey" LIKE '%|' || k.key || '|%'
              OR r."partitionRangeStart" = k.key OR r."partitionRangeEnd" = k.key)`,
      [removed],
    );
    if (users.length) {
      const runIds = [...new Set(users.map((u) => u.id))];
      throw new PartitionInUseError(
        { keys: [...new Set(users.map((u) => u.key))], runIds },
        `Runs that have not ended use ${[...new Set(users.map((u) => `"${u.key}"`))].join(", ")}: ${runIds.slice(0, 3).join(", ")}${runIds.length > 3 ? "…" : ""}; wait for them or terminate them`,
      );
    }
    await tx.query(`DELETE FROM "DynamicPartition" WHERE name = $1 AND key = ANY($2::text[])`, [name, removed]);
    return { name, keys: (await readDynamicKeys(tx, [name])).get(name) ?? [] };
  });
}
