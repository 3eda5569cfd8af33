import type { IndexRange, PartitionSpace } from "@strata/protocol";
import type { Sql } from "../db/sql.js";

export type PartitionStatusValue = "MATERIALIZED" | "FAILED" | "IN_PROGRESS" | "MISSING";

/** A run of consecutive partitions (in the definition's order) with one status. */
export interface StatusRange {
  status: PartitionStatusValue;
  startIndex: number;
  endIndex: number;
}

/**
 * Marks the partitions a run will materialize IN_PROGRESS, in the transaction that stores the
 * run: a status query never misses a launched run.
 */
export async function markInProgress(
  tx: Sql,
  runId: string,
  assetKeys: readonly string[],
  partitions: readonly { key: string; timeIndex: number | null }[],
): Promise<void> {
  await markRunsInProgress(tx, [{ runId, assetKeys, partitions }]);
}

/**
 * `markInProgress` for many runs in one statement (a backfill's batch of runs). Each (asset,
 * partition) may appear in one run only.
 */
export async function markRunsInProgress(
  tx: Sql,
  runs: readonly { runId: string; assetKeys: readonly string[]; partitions: readonly { key: string; timeIndex: number | null }[] }[],
): Promise<void> {
  const [runIds, assets, keys, indexes]: [string[], string[], string[], (number | null)[]] = [[], [], [], []];
  for (const run of runs) {
    for (const asset of run.assetKeys) {
      for (const p of run.partitions) {
        runIds.push(run.runId);
        assets.push(asset);
        keys.push(p.key);
        indexes.push(p.timeIndex);
      }
    }
  }
  if (runIds.length === 0) return;
  await tx.query(
    `INSERT INTO "AssetPartition" ("assetKey", "partitionKey", "timeIndex", status, "lastRunId", "updatedAt")
     SELECT p.asset, p.key, p.idx, 'IN_PROGRESS', p.run, now()
     FROM unnest($1::text[], $2::text[], $3::int[], $4::text[]) AS p(asset, key, idx, run)
     ON CONFLICT ("assetKey", "partitionKey") DO UPDATE SET status = 'IN_PROGRESS', "lastRunId" = EXCLUDED."lastRunId", "updatedAt" = now()`,
    [assets, keys, indexes, runIds],
  );
}

/** Partitions just materialized (by a run's report or a runless one): MATERIALIZED. */
export async function markMaterialized(
  tx: Sql,
  rows: readonly { assetKey: string; partition: string; timeIndex: number | null; materializationId: string; runId: string | null }[],
): Promise<void> {
  if (rows.length === 0) return;
  await tx.query(
    `INSERT INTO "AssetPartition" ("assetKey", "partitionKey", "timeIndex", status, "lastMaterializationId", "lastRunId", "updatedAt")
     SELECT r.asset_key, r.partition, r.idx, 'MATERIALIZED', r.id::bigint, r.run_id, now()
     FROM jsonb_to_recordset($1::jsonb) AS r(asset_key text, partition text, idx int, id text, run_id text)
     ON CONFLICT ("assetKey", "partitionKey") DO UPDATE SET status = 'MATERIALIZED',
       "lastMaterializationId" = EXCLUDED."lastMaterializationId", "timeIndex" = COALESCE(EXCLUDED."timeIndex", "AssetPartition"."timeIndex"),
       "updatedAt" = now()`,
    [
      JSON.stringify(
        rows.map((r) => ({ asset_key: r.assetKey, partition: r.partition, idx: r.timeIndex, id: r.materializationId, run_id: r.runId })),
      ),
    ],
  );
}

/**
 * A run ended: the partitions it still holds IN_PROGRESS (the ones it did not materialize)
 * become FAILED when it failed; otherwise (canceled, or succeeded without producing an
 * optional output) they go back to what they were: MATERIALIZED if they ever were, else MISSING.
 */
export async function settleRunPartitions(tx: Sql, runId: string, status: "SUCCESS" | "FAILURE" | "CANCELED"): Promise<void> {
  if (status === "FAILURE") {
    await tx.query(`UPDATE "AssetPartition" SET status = 'FAILED', "updatedAt" = now() WHERE "lastRunId" = $1 AND status = 'IN_PROGRESS'`, [
      runId,
    ]);
    return;
  }
  await tx.query(
    `WITH reverted AS (
       UPDATE "AssetPartition" SET status = 'MATERIALIZED', "updatedAt" = now()
       WHERE "lastRunId" = $1 AND status = 'IN_PROGRESS' AND "lastMaterializationId" IS NOT NULL)
     DELETE FROM "AssetPartition" WHERE "lastRunId" = $1 AND status = 'IN_PROGRESS' AND "lastMaterializationId" IS NULL`,
    [runId],
  );
}

/**
 * Time-window statuses are read from PartitionStatusRange: ranges of consecutive `timeIndex`es
 * with one status, never crossing a block of this many indexes. Database triggers keep it (see
 * migration 20261202120307_partition_status_ranges): statement triggers on AssetPartition note
 * the blocks a transaction touched, and a deferred trigger rebuilds them from AssetPartition as
 * it commits, under one advisory lock per block taken last and in one order. So the functions
 * above stay single statements, every writer of AssetPartition (these, a migration, a fixture)
 * keeps the ranges exact and transactional, and concurrent runs of one asset contend only for
 * a block's lock during their commits, not for a row held from their first write on.
 *
 * Why not the alternatives: the previous gaps-and-islands pass read every stored partition of
 * the asset at each request (20 ms for 50,000); a per-asset status version with a cache of
 * computed ranges would keep that cost on every miss (any write) and needs a row every writer
 * updates; unblocked ranges maintained by each writer would split one shared range (a
 * backfill's 100,000 IN_PROGRESS partitions) under every run's end, holding its lock from then
 * to commit, behind which the Backfill row lock waits (a deadlock with a backfill launching the
 * next chunk's runs). Blocks bound a rebuild's work (≤ 1,024 rows) and a read's extra rows (one
 * per block edge a status crosses).
 */
export const STATUS_BLOCK = 1024;

/**
 * The status of every partition of `range`, as ranges: each stored status where it is, MISSING
 * in between. Time-window partitions read their stored ranges (one indexed scan, as many rows as
 * ranges plus the block edges they cross); static and dynamic keys are ordered by the
 * definition, from their rows (their definitions are small next to time windows).
 */
export async function statusRanges(sql: Sql, assetKey: string, space: PartitionSpace, range: IndexRange): Promise<StatusRange[]> {
  if (space.count === 0 || range.end < range.start) return [];
  const stored =
    space.definition.kind === "time_window"
      ? merged(
          await sql.query<{ status: PartitionStatusValue; s: number; e: number }>(
            // A range that ends in `range` starts at most a block before it: the index bounds both ends.
            `SELECT status, "startIndex" AS s, "endIndex" AS e FROM "PartitionStatusRange"
             WHERE "assetKey" = $1 AND "startIndex" BETWEEN $2::int - ${STATUS_BLOCK - 1} AND $3 AND "endIndex" >= $2
             ORDER BY "startIndex"`,
            [assetKey, range.start, range.end],
          ),
          range,
        )
      : islands(
          (
            await sql.query<{ partitionKey: string; status: PartitionStatusValue }>(
              `SELECT "partitionKey", status FROM "AssetPartition" WHERE "assetKey" = $1`,
              [assetKey],
            )
          )
            .map((r) => ({ index: space.indexOf(r.partitionKey), status: r.status }))
            .filter(
              (r): r is { index: number; status: PartitionStatusValue } =>
                r.index !== null && r.index >= range.start && r.index <= range.end,
            ),
        );
  const ranges: StatusRange[] = [];
  let next = range.start;
  for (const island of stored) {
    if (island.s > next) ranges.push({ status: "MISSING", startIndex: next, endIndex: island.s - 1 });
    ranges.push({ status: island.status, startIndex: island.s, endIndex: island.e });
    next = island.e + 1;
  }
  if (next <= range.end) ranges.push({ status: "MISSING", startIndex: next, endIndex: range.end });
  return ranges;
}

/** Stored ranges (in order) clipped to `range`, with those that meet at a block's edge joined. */
function merged(rows: { status: PartitionStatusValue; s: number; e: number }[], range: IndexRange) {
  const result: { status: PartitionStatusValue; s: number; e: number }[] = [];
  for (const row of rows) {
    const [s, e] = [Math.max(row.s, range.start), Math.min(row.e, range.end)];
    const last = result.at(-1);
    if (last && last.status === row.status && last.e === s - 1) last.e = e;
    else result.push({ status: row.status, s, e });
  }
  return result;
}

function islands(rows: { index: number; status: PartitionStatusValue }[]): { status: PartitionStatusValue; s: number; e: number }[] {
  rows.sort((a, b) => a.index - b.index);
  const result: { status: PartitionStatusValue; s: number; e: number }[] = [];
  for (const row of rows) {
    const last = result.at(-1);
    if (last && last.status === row.status && last.e === row.index - 1) last.e = row.index;
    else result.push({ status: row.status, s: row.index, e: row.index });
  }
  return result;
}
