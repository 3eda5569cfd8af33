import type { Manifest } from "@strata/protocol";
import type { Sql } from "../db/sql.js";
import { InvalidArgumentError, InvalidSelectionError } from "../errors.js";
import type { PartitionRequest } from "../partitions/run-partitions.js";
import { SyncGraph } from "../sync/sync-graph.js";

/**
 * `launchRun(unsyncedOnly: true)`: the selected assets that are UNSYNCED or MISSING, as Dagster's
 * "Materialize unsynced" treats a never-materialized asset as work to do too. A partitioned
 * asset is judged by the launched `partition` (its MISSING: that partition was never
 * materialized); an unpartitioned one by its latest materialization. A multi-asset that cannot be
 * subset runs whole when one of its outputs is to do. Only today's statuses count: an asset that
 * is SYNCED now stays out even if re-materializing its upstream here will unsync it (Dagster's
 * rule too; launch again afterwards).
 *
 * Refused: with `checkKeys` (this narrows assets, not checks), with a `partitionRange` (one run
 * materializes the whole range for every asset, so it cannot skip the synced partitions of some:
 * launch the partitions one by one, or backfill `Asset.unsyncedPartitions`), and, when nothing
 * is to do, `InvalidSelectionError` NOTHING_UNSYNCED naming the selection: no empty run is queued.
 */
export async function unsyncedSelection(
  sql: Sql,
  manifest: Manifest,
  keys: readonly string[],
  request: PartitionRequest & { checkKeys?: readonly string[] | null },
): Promise<string[]> {
  if (request.checkKeys?.length) {
    throw new InvalidArgumentError("unsyncedOnly", "narrows the assets of a selection: launch checks in a run of their own");
  }
  if (request.partitionRange != null) {
    throw new InvalidArgumentError(
      "unsyncedOnly",
      "a run of a partitionRange materializes every partition of it: launch one partition at a time, or backfill the asset's unsyncedPartitions",
    );
  }
  const graph = new SyncGraph(sql);
  const defs = await graph.definitions(keys);
  const nodes = keys.map((key) => ({ key, partition: defs.get(key)?.partitions ? (request.partition ?? null) : null }));
  const statuses = await graph.statuses(nodes);
  const todo = new Set(
    nodes.filter((n) => statuses.get(n.partition === null ? n.key : `${n.key}[${n.partition}]`)!.state !== "SYNCED").map((n) => n.key),
  );
  if (todo.size === 0) {
    const what = request.partition != null ? ` (partition "${request.partition}")` : "";
    throw new InvalidSelectionError("NOTHING_UNSYNCED", `Every selected asset is SYNCED${what}: nothing to launch`, [...keys]);
  }
  // The original selection held every output of a multi-asset that cannot be subset (it was
  // validated whole), so its siblings are selected keys.
  for (const asset of manifest.assets) {
    const multi = asset.multiAsset;
    if (!multi || multi.canSubset || todo.has(asset.key) || !keys.includes(asset.key)) continue;
    if (manifest.assets.some((a) => a.multiAsset?.name === multi.name && todo.has(a.key))) todo.add(asset.key);
  }
  return keys.filter((k) => todo.has(k));
}
