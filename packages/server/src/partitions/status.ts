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
 * The status of every partition of `range`, as ranges: each stored status where it is, MISSING
 * in between. Time-window partitions are one gaps-and-islands query over their ordinals; static
 * and dynamic keys are ordered by the definition.
 */
export async function statusRanges(sql: Sql, assetKey: string, space: PartitionSpace, range: IndexRange): Promise<StatusRange[]> {
  if (space.count === 0 || range.end < range.start) return [];
  const stored =
    space.definition.kind === "time_window"
      ? await sql.query<{ status: PartitionStatusValue; s: number; e: number }>(
          `SELECT status, min("timeIndex") AS s, max("timeIndex") AS e FROM (
             SELECT status, "timeIndex", "timeIndex" - row_number() OVER (PARTITION BY status ORDER BY "timeIndex") AS island
             FROM "AssetPartition" WHERE "assetKey" = $1 AND "timeIndex" BETWEEN $2 AND $3) t
           GROUP BY status, island ORDER BY s`,
          [assetKey, range.start, range.end],
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
