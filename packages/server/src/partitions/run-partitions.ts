import { canonicalJson, type PartitionSpace, type PartitionsDefinition } from "@strata/protocol";
import type { Sql } from "../db/sql.js";
import { AssetNotPartitionedError, InvalidArgumentError, PartitionKeysNotFoundError } from "../errors.js";
import { loadSpace, readPartitionsDefinitions } from "./space.js";

/** What a launch asks of partitions: one key, or a range by its first and last keys. */
export interface PartitionRequest {
  partition?: string | null;
  partitionRange?: { from: string; to: string } | null;
}

/** The partitions a run materializes: one key or an inclusive range, and every key with its ordinal. */
export interface RunPartitions {
  key: string | null;
  range: { start: string; end: string } | null;
  partitions: { key: string; timeIndex: number | null }[];
  /** The selected assets that are partitioned: each gets these partitions marked IN_PROGRESS. */
  assetKeys: string[];
}

const MAX_RUN_PARTITIONS = 100_000;

/**
 * Checks a launch's partition request against the selected assets' partitions definitions and
 * lists the keys it covers. Every partitioned asset of the selection must share one definition
 * (as in Dagster); unpartitioned ones in the selection run once, unpartitioned.
 */
export async function resolveRunPartitions(
  sql: Sql,
  assetKeys: readonly string[],
  request: PartitionRequest,
  known?: ReadonlyMap<string, PartitionsDefinition>,
): Promise<RunPartitions | null> {
  const { partition, partitionRange } = request;
  if (partition == null && partitionRange == null) return null;
  if (partition != null && partitionRange != null)
    throw new InvalidArgumentError("partition", "give a partition or a partitionRange, not both");
  const definitions = known ? ownDefinitions(known, assetKeys) : await readPartitionsDefinitions(sql, assetKeys);
  if (definitions.size === 0) {
    throw new AssetNotPartitionedError(
      { assetKeys: [...assetKeys] },
      `${describe(assetKeys)} ${assetKeys.length === 1 ? "is" : "are"} not partitioned: launch without a partition`,
    );
  }
  const distinct = new Map<string, PartitionsDefinition>();
  for (const def of definitions.values()) distinct.set(canonicalJson(def), def);
  if (distinct.size > 1) {
    throw new AssetNotPartitionedError(
      { assetKeys: [...definitions.keys()] },
      `${describe([...definitions.keys()])} have different partitions definitions: launch one run per definition`,
    );
  }
  const def = [...distinct.values()][0]!;
  const space = await loadSpace(sql, def);
  const indexOf = (key: string) => space.indexOf(key);
  const keys = partition != null ? [partition] : [partitionRange!.from, partitionRange!.to];
  const unknown = keys.filter((k) => indexOf(k) === null);
  if (unknown.length) {
    throw new PartitionKeysNotFoundError(
      { keys: unknown },
      `${describe(unknown, "partition")} ${unknown.length === 1 ? "does" : "do"} not exist (${space.count} partitions now)`,
    );
  }
  const [first, last] = keys.map((k) => indexOf(k)!) as [number, number?];
  const end = last ?? first;
  if (end < first) throw new InvalidArgumentError("partitionRange", `"${partitionRange!.from}" comes after "${partitionRange!.to}"`);
  if (end - first + 1 > MAX_RUN_PARTITIONS)
    throw new InvalidArgumentError("partitionRange", `a run covers at most ${MAX_RUN_PARTITIONS.toLocaleString("en-US")} partitions`);
  return {
    key: partition ?? null,
    range: partitionRange ? { start: partitionRange.from, end: partitionRange.to } : null,
    partitions: keysWithIndexes(space, def, first, end),
    assetKeys: [...definitions.keys()],
  };
}

/** The definitions of `assetKeys` in `known` (a caller's manifest), as readPartitionsDefinitions answers them. */
function ownDefinitions(known: ReadonlyMap<string, PartitionsDefinition>, assetKeys: readonly string[]): Map<string, PartitionsDefinition> {
  const out = new Map<string, PartitionsDefinition>();
  for (const key of assetKeys) {
    const def = known.get(key);
    if (def) out.set(key, def);
  }
  return out;
}

/** The keys of `start..end` with their timeIndex: a time window's ordinal in the space; null for other keys (ordered at read time). */
export function keysWithIndexes(space: PartitionSpace, def: PartitionsDefinition, start: number, end: number) {
  return space.keys({ start, end }).map((key, i) => ({ key, timeIndex: def.kind === "time_window" ? start + i : null }));
}

function describe(keys: readonly string[], what = "asset"): string {
  const shown = keys.slice(0, 5).map((k) => `"${k}"`);
  return `${what === "asset" ? "" : `${what} `}${shown.join(", ")}${keys.length > 5 ? ` and ${keys.length - 5} more` : ""}`;
}
