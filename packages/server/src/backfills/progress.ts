import { type IndexRange, rangesCount } from "@strata/protocol";
import type { Sql } from "../db/sql.js";

export interface ChunkCounts {
  waiting: number;
  ready: number;
  launched: number;
  succeeded: number;
  failed: number;
  skipped: number;
  canceled: number;
}

export interface AssetBackfillStatus {
  assetKey: string;
  targeted: number;
  materialized: number;
  failed: number;
  inProgress: number;
  skipped: number;
}

/** Chunks (runs planned) of a backfill by state. */
export async function chunkCounts(sql: Sql, backfillId: string): Promise<ChunkCounts> {
  const rows = await sql.query<{ state: string; n: number }>(
    `SELECT state, count(*)::int AS n FROM "BackfillChunk" WHERE "backfillId" = $1 GROUP BY state`,
    [backfillId],
  );
  const n = (state: string) => rows.find((r) => r.state === state)?.n ?? 0;
  return {
    waiting: n("WAITING"),
    ready: n("READY"),
    launched: n("LAUNCHED"),
    succeeded: n("SUCCEEDED"),
    failed: n("FAILED"),
    skipped: n("SKIPPED"),
    canceled: n("CANCELED"),
  };
}

/**
 * Per asset, its partitions in the backfill: `targeted` from the stored target; a succeeded
 * chunk's partitions are `materialized`, a launched one's `inProgress`, a skipped chunk's (or one
 * canceled before it launched) `skipped`. For a chunk whose run failed or was canceled, the
 * partitions its run materialized (AssetPartition rows MATERIALIZED by that run) count as
 * materialized and the rest as `failed` when the asset's step ran, else `skipped` (a step
 * skipped because an upstream failed, or never started). Waiting and ready chunks count in none of these.
 */
export async function assetStatuses(
  sql: Sql,
  backfill: { id: string; assetKeys: string[]; target: { assets: Record<string, IndexRange[]> } },
): Promise<AssetBackfillStatus[]> {
  const statuses = new Map<string, AssetBackfillStatus>(
    backfill.assetKeys.map((key) => [
      key,
      { assetKey: key, targeted: rangesCount(backfill.target.assets[key] ?? []), materialized: 0, failed: 0, inProgress: 0, skipped: 0 },
    ]),
  );
  const byState = await sql.query<{ assetKey: string; state: string; n: number }>(
    `SELECT a.key AS "assetKey", c.state, sum(c."endIndex" - c."startIndex" + 1)::int AS n
     FROM "BackfillChunk" c, unnest(c."assetKeys") AS a(key) WHERE c."backfillId" = $1 AND (c.state <> 'CANCELED' OR c."runId" IS NULL) GROUP BY 1, 2`,
    [backfill.id],
  );
  const field = { SUCCEEDED: "materialized", LAUNCHED: "inProgress", SKIPPED: "skipped", CANCELED: "skipped" } as const;
  for (const row of byState) {
    const status = statuses.get(row.assetKey);
    const name = field[row.state as keyof typeof field];
    if (status && name) status[name] += row.n;
  }
  const ended = await sql.query<{ assetKey: string; size: number; materialized: number; attempted: boolean }>(
    `SELECT a.key AS "assetKey", c."endIndex" - c."startIndex" + 1 AS size,
            (SELECT count(*)::int FROM "AssetPartition" p WHERE p."assetKey" = a.key AND p."lastRunId" = c."runId" AND p.status = 'MATERIALIZED') AS materialized,
            EXISTS (SELECT 1 FROM "RunStep" s JOIN "AssetNode" n ON n."stepKey" = s."stepKey" AND n.key = a.key
                    WHERE s."runId" = c."runId" AND s.status IN ('RUNNING', 'UP_FOR_RETRY', 'FAILURE', 'SUCCESS')) AS attempted
     FROM "BackfillChunk" c, unnest(c."assetKeys") AS a(key)
     WHERE c."backfillId" = $1 AND (c.state = 'FAILED' OR (c.state = 'CANCELED' AND c."runId" IS NOT NULL))`,
    [backfill.id],
  );
  for (const row of ended) {
    const status = statuses.get(row.assetKey);
    if (!status) continue;
    status.materialized += row.materialized;
    if (row.attempted) status.failed += row.size - row.materialized;
    else status.skipped += row.size - row.materialized;
  }
  return [...statuses.values()];
}
