/**
 * Partition mappings as data (Dagster's built-in `PartitionMapping`s): which partitions of an
 * upstream asset a downstream partition reads. Only these exist, because the server evaluates
 * them without running user code. Give one on an input, `{ asset, mapping }`; without one it is
 * inferred as Dagster infers it (time windows overlap, equal definitions match key for key,
 * a partitioned upstream of an unpartitioned asset is read whole).
 */
import type { DimensionPartitionMapping, PartitionMapping } from "@strata/protocol";
import { DefinitionError } from "./definition-error.js";

/**
 * The same key upstream and downstream.
 *
 * @example
 * ```ts
 * asset("clean", { partitions: regions, ins: { raw: { asset: raw, mapping: identityMapping() } } }, ({ raw }) => raw);
 * ```
 */
export function identityMapping(): { kind: "identity" } {
  return { kind: "identity" };
}

/**
 * Every upstream partition, whatever the downstream partition.
 *
 * @example
 * ```ts
 * const ins = { daily: { asset: dailyEvents, mapping: allPartitionsMapping() } };
 * ```
 */
export function allPartitionsMapping(): { kind: "all" } {
  return { kind: "all" };
}

/**
 * The last upstream partition only.
 *
 * @example
 * ```ts
 * const ins = { latest: { asset: snapshots, mapping: lastPartitionMapping() } };
 * ```
 */
export function lastPartitionMapping(): { kind: "last" } {
  return { kind: "last" };
}

/**
 * These upstream partitions, whatever the downstream partition.
 *
 * @example
 * ```ts
 * const ins = { reference: { asset: regions, mapping: specificPartitionsMapping(["eu"]) } };
 * ```
 */
export function specificPartitionsMapping(keys: readonly string[]): { kind: "specific"; keys: string[] } {
  if (!Array.isArray(keys) || keys.length === 0 || keys.some((k) => typeof k !== "string" || k.length === 0)) {
    throw new DefinitionError("invalid_partitions", "specificPartitionsMapping", "keys must be a non-empty array of partition keys");
  }
  return { kind: "specific", keys: [...keys] };
}

/**
 * Static keys to static keys: upstream key → the downstream key(s) it feeds (Dagster's
 * `StaticPartitionMapping`).
 *
 * @example
 * ```ts
 * const ins = { raw: { asset: rawByCountry, mapping: staticPartitionMapping({ de: "eu", fr: "eu", us: "na" }) } };
 * ```
 */
export function staticPartitionMapping(map: Readonly<Record<string, string | readonly string[]>>): {
  kind: "static_map";
  map: Record<string, string[]>;
} {
  const normalized: Record<string, string[]> = {};
  for (const [upstream, downstream] of Object.entries(map ?? {})) {
    const keys = typeof downstream === "string" ? [downstream] : Array.isArray(downstream) ? [...downstream] : null;
    if (keys === null || keys.some((k) => typeof k !== "string" || k.length === 0)) {
      throw new DefinitionError("invalid_partitions", "staticPartitionMapping", `"${upstream}" must map to a key or an array of keys`);
    }
    normalized[upstream] = keys;
  }
  if (Object.keys(normalized).length === 0) {
    throw new DefinitionError("invalid_partitions", "staticPartitionMapping", "the map must name at least one upstream key");
  }
  return { kind: "static_map", map: normalized };
}

/**
 * Options of {@link timeWindowMapping}: offsets in downstream windows.
 *
 * @example
 * ```ts
 * const lastSevenDays: TimeWindowMappingOptions = { startOffset: -6 };
 * ```
 */
export interface TimeWindowMappingOptions {
  /** Moves the start of the downstream window: -1 also reads the window before. Defaults to 0. */
  startOffset?: number;
  /** Moves the end of the downstream window. Defaults to 0. */
  endOffset?: number;
  /** Drop upstream windows before the upstream's first partition instead of failing. Defaults to false. */
  allowNonexistentUpstream?: boolean;
}

/**
 * Every upstream window overlapping the downstream window, shifted by the offsets (Dagster's
 * `TimeWindowPartitionMapping`): `startOffset: -1` maps 2024-03-02 to 03-01 and 03-02. Both
 * sides must be time windows in the same time zone.
 *
 * @example
 * ```ts
 * const rolling = asset("rolling", { partitions: days, ins: { raw: { asset: raw, mapping: timeWindowMapping({ startOffset: -6 }) } } },
 *   ({ raw }) => Object.values(raw).flat());
 * ```
 */
export function timeWindowMapping(options: TimeWindowMappingOptions = {}): {
  kind: "time_window";
  startOffset: number;
  endOffset: number;
  allowNonexistentUpstream: boolean;
} {
  const startOffset = options.startOffset ?? 0;
  const endOffset = options.endOffset ?? 0;
  for (const [field, value] of [
    ["startOffset", startOffset],
    ["endOffset", endOffset],
  ] as const) {
    if (!Number.isInteger(value)) throw new DefinitionError("invalid_partitions", "timeWindowMapping", `${field} must be an integer`);
  }
  return { kind: "time_window", startOffset, endOffset, allowNonexistentUpstream: options.allowNonexistentUpstream ?? false };
}

/**
 * Between a multi-partitioned asset and a single-partitioned one sharing a dimension: a key of
 * the single side maps to every multi key with that key in `dimension` (Dagster's
 * `MultiToSingleDimensionPartitionMapping`). Without `dimension`, the one dimension whose
 * definition equals the single side's.
 *
 * @example
 * ```ts
 * const ins = { sales: { asset: salesByDayAndRegion, mapping: multiToSingleMapping({ dimension: "date" }) } };
 * ```
 */
export function multiToSingleMapping(options: { dimension?: string } = {}): { kind: "multi_to_single"; dimension: string | null } {
  return { kind: "multi_to_single", dimension: options.dimension ?? null };
}

/**
 * Between two multi-partitioned assets, dimension by dimension (Dagster's `MultiPartitionMapping`):
 * downstream dimension → the upstream dimension it reads (same name by default) and how
 * (identity by default).
 *
 * @example
 * ```ts
 * const mapping = multiPartitionMapping({
 *   date: { mapping: timeWindowMapping({ startOffset: -1 }) },
 *   region: { upstreamDimension: "country_group" },
 * });
 * ```
 */
export function multiPartitionMapping(
  dimensions: Readonly<Record<string, { upstreamDimension?: string; mapping?: DimensionPartitionMapping }>>,
): Extract<PartitionMapping, { kind: "multi" }> {
  const normalized: Record<string, { upstreamDimension: string; mapping: DimensionPartitionMapping }> = {};
  for (const [name, dimension] of Object.entries(dimensions ?? {})) {
    const mapping = dimension?.mapping ?? identityMapping();
    if ((mapping as PartitionMapping).kind === "multi" || (mapping as PartitionMapping).kind === "multi_to_single") {
      throw new DefinitionError("invalid_partitions", "multiPartitionMapping", `dimension "${name}" cannot use a multi mapping`);
    }
    normalized[name] = { upstreamDimension: dimension?.upstreamDimension ?? name, mapping };
  }
  if (Object.keys(normalized).length === 0) {
    throw new DefinitionError("invalid_partitions", "multiPartitionMapping", "name at least one downstream dimension");
  }
  return { kind: "multi", dimensions: normalized };
}
