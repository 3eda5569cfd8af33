import type { PlannedChunk } from "./plan.js";
import type { IndexRange, PartitionSpace, PartitionsDefinition } from "@strata/protocol";
import type { Sql } from "../db/sql.js";
import { keysWithIndexes } from "../partitions/run-partitions.js";
import { type BatchRun, insertRuns } from "../runs/launch.js";
import type { RunPlan } from "../runs/run-plan.js";
import { sortableRunIds } from "../runs/run-ids.js";

/** The tag every run of a backfill carries, with the backfill's id. */
export const BACKFILL_TAG = "strata/backfill";

/** What a backfill's stored row says about how to create its runs. */
export interface StoredBackfill {
  id: string;
  status: string;
  locationId: string;
  versionId: string;
  tags: Record<string, string>;
  createdBy: string | null;
  target: { partitions: PartitionsDefinition; assets: Record<string, IndexRange[]> };
  plans: Record<string, RunPlan>;
}

/** A chunk about to get its run: what the planner planned, its dependencies met. */
export type LaunchableChunk = Omit<PlannedChunk, "dependsOn">;

/**
 * The runs of `chunks`, with fresh ids in chunk order: a single-partition chunk's run names its
 * partition, a longer one its first and last keys (the function sees the range).
 */
export function chunkRuns(backfill: StoredBackfill, space: PartitionSpace, chunks: readonly LaunchableChunk[]): BatchRun[] {
  const ids = sortableRunIds(chunks.length);
  return chunks.map((chunk, i) => {
    const single = chunk.startIndex === chunk.endIndex;
    return {
      id: ids[i]!,
      plan: backfill.plans[chunk.assetKeys.join(",")]!,
      partitions: {
        key: single ? chunk.startKey : null,
        range: single ? null : { start: chunk.startKey, end: chunk.endKey },
        partitions: keysWithIndexes(space, backfill.target.partitions, chunk.startIndex, chunk.endIndex),
        assetKeys: chunk.assetKeys,
      },
    };
  });
}

/** Stores the runs of `runs` (QUEUED, tagged with the backfill) in the caller's transaction. */
export async function insertChunkRuns(tx: Sql, backfill: StoredBackfill, runs: readonly BatchRun[]): Promise<void> {
  await insertRuns(
    tx,
    {
      locationId: backfill.locationId,
      versionId: backfill.versionId,
      tags: { ...backfill.tags, [BACKFILL_TAG]: backfill.id },
      createdBy: backfill.createdBy ?? "dev",
      backfillId: backfill.id,
    },
    runs,
  );
}
