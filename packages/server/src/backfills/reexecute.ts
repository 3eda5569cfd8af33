import { canonicalJson, type BackfillPolicy, type IndexRange, type PartitionsDefinition, subtractRanges, toRanges } from "@strata/protocol";
import type { Sql } from "../db/sql.js";
import { BackfillStatusError, InvalidArgumentError, NotFoundError } from "../errors.js";
import { loadSpace } from "../partitions/space.js";
import type { ManifestCache } from "../runs/manifest-cache.js";
import { storeBackfill } from "./launch.js";
import { resolveBackfill } from "./resolve.js";

interface Parent {
  id: string;
  status: string;
  assetKeys: string[];
  target: { partitions: PartitionsDefinition; assets: Record<string, IndexRange[]> };
  policy: BackfillPolicy;
  tags: Record<string, string>;
  title: string | null;
  runsAhead: number;
}

/**
 * FROM_FAILURE: a child backfill over exactly the (asset, partition) pairs a finished backfill
 * did not materialize: its target minus what its runs materialized (every pair of a succeeded
 * chunk; the partitions a failed or canceled chunk's run materialized before it ended), with
 * the parent's policy and tags. Refused while the parent has not finished.
 */
export async function reexecuteBackfill(
  sql: Sql,
  manifests: ManifestCache,
  input: { id: string; createdBy: string },
): Promise<{ id: string; location: string; runCount: number }> {
  const [parent] = await sql.query<Parent>(
    `SELECT id, status, "assetKeys", target, policy, tags, title, "runsAhead" FROM "Backfill" WHERE id = $1`,
    [input.id],
  );
  if (!parent) throw new NotFoundError("backfill", input.id);
  if (parent.status === "REQUESTED" || parent.status === "CANCELING")
    throw new BackfillStatusError(
      { backfillId: parent.id, status: parent.status },
      `Backfill ${parent.id} is ${parent.status}: only a finished backfill can be re-executed`,
    );
  const definition = parent.target.partitions;
  const [node] = await sql.query<{ partitions: PartitionsDefinition | null }>(`SELECT partitions FROM "AssetNode" WHERE key = $1`, [
    parent.assetKeys[0],
  ]);
  if (!node?.partitions || canonicalJson(node.partitions) !== canonicalJson(definition))
    throw new InvalidArgumentError(
      "id",
      `the partitions of ${parent.assetKeys.join(", ")} changed since backfill ${parent.id}: launch a new backfill`,
    );
  const succeeded = await sql.query<{ assetKey: string; startIndex: number; endIndex: number }>(
    `SELECT a.key AS "assetKey", c."startIndex", c."endIndex" FROM "BackfillChunk" c, unnest(c."assetKeys") AS a(key)
     WHERE c."backfillId" = $1 AND c.state = 'SUCCEEDED'`,
    [parent.id],
  );
  // What a failed or canceled chunk's run materialized before it ended.
  const partial = await sql.query<{ assetKey: string; partitionKey: string }>(
    `SELECT p."assetKey", p."partitionKey" FROM "BackfillChunk" c JOIN "AssetPartition" p ON p."lastRunId" = c."runId"
     WHERE c."backfillId" = $1 AND c.state IN ('FAILED', 'CANCELED') AND p.status = 'MATERIALIZED' AND p."assetKey" = ANY(c."assetKeys")`,
    [parent.id],
  );
  const space = await loadSpace(sql, definition);
  const targets = new Map<string, IndexRange[]>();
  for (const [asset, ranges] of Object.entries(parent.target.assets)) {
    const covered = succeeded.filter((d) => d.assetKey === asset).map((d) => ({ start: d.startIndex, end: d.endIndex }));
    const indexes = partial.filter((p) => p.assetKey === asset).map((p) => space.indexOf(p.partitionKey));
    targets.set(asset, subtractRanges(ranges, [...covered, ...toRanges(indexes.filter((i): i is number => i !== null))]));
  }
  if ([...targets.values()].every((r) => r.length === 0))
    throw new InvalidArgumentError("id", `nothing to re-execute: backfill ${parent.id} materialized every partition it targeted`);
  const resolved = await resolveBackfill(
    sql,
    manifests,
    {
      assetKeys: parent.assetKeys,
      singleRun: parent.policy.kind === "single_run",
      maxPartitionsPerRun: parent.policy.kind === "multi_run" ? parent.policy.maxPartitionsPerRun : null,
      tags: { ...parent.tags, "strata/parent_backfill_id": parent.id },
      title: parent.title ? `${parent.title} (retry)` : null,
    },
    targets,
  );
  return storeBackfill(sql, resolved, { createdBy: input.createdBy, parentBackfillId: parent.id, runsAhead: parent.runsAhead });
}
