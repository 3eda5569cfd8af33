import type { PartitionsDefinition } from "../partitions/definition.js";
import type { PartitionMapping } from "../partitions/mapping.js";

/**
 * Why an asset may not read itself through `mapping`, or `null` when it may. As in Dagster
 * (`AssetsDefinition._validate_self_deps`), an asset depends on itself only when each of its
 * partitions reads strictly earlier partitions of itself: it is partitioned by time and reads
 * itself through a time-window mapping whose both offsets are negative
 * (`timeWindowMapping({ startOffset: -1, endOffset: -1 })`: yesterday's partition), or it is
 * multi-partitioned and its time dimension reads itself that way. Anything else would make a
 * partition wait for itself. The message completes "asset X depends on itself: …".
 *
 * @example
 * ```ts
 * selfDependencyProblem(days, { kind: "time_window", startOffset: -1, endOffset: -1, allowNonexistentUpstream: false }); // null
 * selfDependencyProblem(days, { kind: "identity" }); // "…only through earlier partitions…"
 * ```
 */
export function selfDependencyProblem(
  partitions: PartitionsDefinition | null,
  mapping: PartitionMapping | null | undefined,
): string | null {
  const how = "read it through timeWindowMapping({ startOffset: -1, endOffset: -1 }) (both offsets negative: earlier partitions only)";
  if (partitions === null)
    return `an asset may read only earlier partitions of itself, and this one is not partitioned; partition it by time and ${how}`;
  const time =
    partitions.kind === "time_window"
      ? null
      : partitions.kind === "multi"
        ? partitions.dimensions.find((d) => d.partitions.kind === "time_window")
        : undefined;
  if (time === undefined)
    return `an asset may read only earlier partitions of itself, and its ${partitions.kind} partitions have no time order; partition it by time and ${how}`;
  if (!mapping) return `without a partition mapping each partition would read itself; ${how}`;
  let windowed: PartitionMapping | null = mapping;
  if (time !== null) {
    const dimension = mapping.kind === "multi" ? mapping.dimensions[time.name] : undefined;
    windowed = dimension && dimension.upstreamDimension === time.name ? dimension.mapping : null;
    if (!windowed)
      return `a multi-partitioned asset reads itself only through its time dimension "${time.name}": give multiPartitionMapping({ ${time.name}: { mapping: timeWindowMapping({ startOffset: -1, endOffset: -1 }) } })`;
  }
  if (windowed.kind !== "time_window") return `a ${windowed.kind} mapping would make a partition read itself; ${how}`;
  if (windowed.startOffset >= 0 || windowed.endOffset >= 0)
    return `timeWindowMapping({ startOffset: ${windowed.startOffset}, endOffset: ${windowed.endOffset} }) would make a partition read itself or a later one; ${how}`;
  return null;
}
