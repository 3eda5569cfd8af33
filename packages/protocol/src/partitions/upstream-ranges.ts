import { canonicalJson } from "../canonical-json.js";
import { MULTI_KEY_DELIMITER } from "./definition.js";
import { type DimensionPartitionMapping, type PartitionMapping, sharedDimension } from "./mapping.js";
import { PartitionError } from "./partition-error.js";
import { mergeRanges, toRanges } from "./ranges.js";
import type { IndexRange, PartitionSpace } from "./space.js";
import { TimeWindowSpace } from "./time-window-space.js";

/**
 * The upstream partitions a downstream range reads.
 *
 * @example
 * ```ts
 * const { ranges, nonexistent }: UpstreamPartitions = upstreamRanges({ kind: "identity" }, down, { start: 0, end: 9 }, up);
 * if (nonexistent.length) throw new PartitionError("nonexistent_upstream", `missing upstream ${nonexistent.join(", ")}`);
 * ```
 */
export interface UpstreamPartitions {
  /** Upstream indexes, sorted and merged. */
  ranges: IndexRange[];
  /**
   * Upstream keys the mapping names that the upstream does not have (yet): a window before its
   * start or after its last, a key it lacks. Empty for a time-window mapping with
   * `allowNonexistentUpstream`, which drops them instead; Dagster raises for them otherwise,
   * and callers that must can throw a PartitionError `nonexistent_upstream`.
   */
  nonexistent: string[];
}

/**
 * The upstream partitions that the downstream partitions in `range` depend on through
 * `mapping`, with Dagster's semantics per mapping kind: `all` every upstream partition, `last`
 * the last one, `identity` the same keys, `specific` the listed keys, `static_map` the upstream
 * keys mapped to each downstream key, `time_window` the upstream windows overlapping the
 * downstream windows shifted by the offsets (in downstream windows; time zones must match),
 * `multi_to_single` the shared dimension's keys, `multi` each mapped dimension through its
 * mapping and every key of the unmapped ones.
 *
 * @example
 * ```ts
 * // 2024-07-04 of a 2-day rolling asset reads 07-03 and 07-04 of its daily upstream
 * const rolling = { kind: "time_window", startOffset: -1, endOffset: 0, allowNonexistentUpstream: false } as const;
 * const { ranges } = upstreamRanges(rolling, days, { start: 185, end: 185 }, days);
 * days.keys(ranges[0]); // ["2024-07-03", "2024-07-04"]
 * ```
 */
export function upstreamRanges(
  mapping: PartitionMapping,
  downstream: PartitionSpace,
  range: IndexRange,
  upstream: PartitionSpace,
): UpstreamPartitions {
  if (range.end < range.start) return { ranges: [], nonexistent: [] };
  downstream.keyAt(range.start);
  downstream.keyAt(range.end);
  switch (mapping.kind) {
    case "multi_to_single":
      return multiToSingle(mapping.dimension, downstream, range, upstream);
    case "multi":
      return multiToMulti(mapping, downstream, range, upstream);
    default:
      return dimension(mapping, downstream, range, upstream);
  }
}

function dimension(
  mapping: DimensionPartitionMapping,
  downstream: PartitionSpace,
  range: IndexRange,
  upstream: PartitionSpace,
): UpstreamPartitions {
  const everything = upstream.count > 0 ? [{ start: 0, end: upstream.count - 1 }] : [];
  switch (mapping.kind) {
    case "all":
      return { ranges: everything, nonexistent: [] };
    case "last":
      return { ranges: upstream.count > 0 ? [{ start: upstream.count - 1, end: upstream.count - 1 }] : [], nonexistent: [] };
    case "specific":
      return byKeys(mapping.keys, upstream);
    case "identity":
      return identity(downstream, range, upstream);
    case "static_map": {
      const wanted = new Set(downstream.keys(range));
      return byKeys(
        Object.entries(mapping.map).flatMap(([up, downs]) => (downs.some((d) => wanted.has(d)) ? [up] : [])),
        upstream,
      );
    }
    case "time_window":
      return timeWindow(mapping, downstream, range, upstream);
  }
}

function byKeys(keys: Iterable<string>, upstream: PartitionSpace): UpstreamPartitions {
  const indexes: number[] = [];
  const nonexistent: string[] = [];
  for (const key of new Set(keys)) {
    const index = upstream.indexOf(key);
    if (index === null) nonexistent.push(key);
    else indexes.push(index);
  }
  return { ranges: toRanges(indexes), nonexistent };
}

function identity(downstream: PartitionSpace, range: IndexRange, upstream: PartitionSpace): UpstreamPartitions {
  if (canonicalJson(downstream.definition) === canonicalJson(upstream.definition) && downstream.count === upstream.count) {
    return { ranges: [{ ...range }], nonexistent: [] };
  }
  // Same schedule, different start, end or offset: the ticks coincide, shifted.
  if (downstream instanceof TimeWindowSpace && upstream instanceof TimeWindowSpace && sameSchedule(downstream, upstream)) {
    const shift = upstream.tickOf(downstream.keyAtTick(0));
    if (shift !== null) return ticksIn(upstream, { start: range.start + shift, end: range.end + shift }, false);
  }
  return byKeys(downstream.keys(range), upstream);
}

function sameSchedule(a: TimeWindowSpace, b: TimeWindowSpace): boolean {
  const x = a.definition;
  const y = b.definition;
  return x.cron === y.cron && x.timezone === y.timezone && x.format === y.format;
}

/** Upstream ticks `ticks` split into the partitions that exist and the keys of those that do not. */
function ticksIn(upstream: TimeWindowSpace, ticks: IndexRange, dropNonexistent: boolean): UpstreamPartitions {
  const start = Math.max(ticks.start, 0);
  const end = Math.min(ticks.end, upstream.count - 1);
  const nonexistent: string[] = [];
  if (!dropNonexistent) {
    for (let k = ticks.start; k <= ticks.end; k++) if (k < 0 || k >= upstream.count) nonexistent.push(upstream.keyAtTick(k));
  }
  return { ranges: start <= end ? [{ start, end }] : [], nonexistent };
}

function timeWindow(
  mapping: Extract<PartitionMapping, { kind: "time_window" }>,
  downstream: PartitionSpace,
  range: IndexRange,
  upstream: PartitionSpace,
): UpstreamPartitions {
  if (!(downstream instanceof TimeWindowSpace) || !(upstream instanceof TimeWindowSpace)) {
    throw new PartitionError(
      "incompatible_mapping",
      `a time_window mapping needs time-window partitions on both sides, not ${upstream.definition.kind} → ${downstream.definition.kind}`,
    );
  }
  if (downstream.timeZone !== upstream.timeZone) {
    throw new PartitionError("timezone_mismatch", `Timezones ${upstream.timeZone} and ${downstream.timeZone} don't match`);
  }
  const start = downstream.windowOfTick(range.start + mapping.startOffset).start.getTime();
  const end = downstream.windowOfTick(range.end + mapping.endOffset).end.getTime();
  if (start >= end) return { ranges: [], nonexistent: [] };
  return ticksIn(upstream, upstream.ticksOverlapping(start, end), mapping.allowNonexistentUpstream);
}

function multiToSingle(name: string | null, downstream: PartitionSpace, range: IndexRange, upstream: PartitionSpace): UpstreamPartitions {
  const dim = name ?? sharedDimension(upstream.definition, downstream.definition);
  const multi = downstream.dimensions.length > 0 ? downstream : upstream;
  const at = multi.dimensions.findIndex((d) => d.name === dim);
  if (at < 0 || downstream.dimensions.length > 0 === upstream.dimensions.length > 0) {
    throw new PartitionError(
      "incompatible_mapping",
      `multi_to_single needs one multi side with the dimension ${dim === null ? "the other side shares" : `"${dim}"`}`,
    );
  }
  if (multi === downstream) {
    const dimKeys = new Set<number>();
    for (let i = range.start; i <= range.end; i++) dimKeys.add(downstream.dimensionIndexes(i)[at]!);
    const space = downstream.dimensions[at]!.space;
    return byKeys(
      [...dimKeys].map((k) => space.keyAt(k)),
      upstream,
    );
  }
  const ranges: IndexRange[] = [];
  const nonexistent: string[] = [];
  const dimSpace = upstream.dimensions[at]!.space;
  for (const key of downstream.keys(range)) {
    const j = dimSpace.indexOf(key);
    if (j === null) nonexistent.push(key);
    else ranges.push(...slice(upstream, at, [{ start: j, end: j }]));
  }
  return { ranges: mergeRanges(ranges), nonexistent };
}

/** The multi indexes whose dimension `at` is in `dimRanges`, every other dimension free. */
function slice(multi: PartitionSpace, at: number, dimRanges: IndexRange[]): IndexRange[] {
  const counts = multi.dimensions.map((d) => d.space.count);
  return product(
    counts.map((count, i) => (i === at ? dimRanges : count > 0 ? [{ start: 0, end: count - 1 }] : [])),
    counts,
  );
}

/** The multi indexes of the cross product of per-dimension ranges (row-major, first slowest). */
function product(perDimension: IndexRange[][], counts: number[]): IndexRange[] {
  let prefixes: number[] = [0];
  const last = perDimension.length - 1;
  for (let i = 0; i < last; i++) {
    const next: number[] = [];
    for (const prefix of prefixes)
      for (const r of perDimension[i]!) for (let k = r.start; k <= r.end; k++) next.push(prefix * counts[i]! + k);
    prefixes = next;
  }
  const lastCount = counts[last]!;
  return mergeRanges(
    prefixes.flatMap((prefix) =>
      perDimension[last]!.map((r) => ({ start: prefix * lastCount + r.start, end: prefix * lastCount + r.end })),
    ),
  );
}

function multiToMulti(
  mapping: Extract<PartitionMapping, { kind: "multi" }>,
  downstream: PartitionSpace,
  range: IndexRange,
  upstream: PartitionSpace,
): UpstreamPartitions {
  if (downstream.dimensions.length === 0 || upstream.dimensions.length === 0) {
    throw new PartitionError("incompatible_mapping", "a multi mapping needs multi partitions on both sides");
  }
  const byUpstream = new Map<number, { from: number; mapping: DimensionPartitionMapping }>();
  for (const [downName, { upstreamDimension, mapping: m }] of Object.entries(mapping.dimensions)) {
    const from = downstream.dimensions.findIndex((d) => d.name === downName);
    const to = upstream.dimensions.findIndex((d) => d.name === upstreamDimension);
    if (from < 0 || to < 0)
      throw new PartitionError("incompatible_mapping", `no dimension "${from < 0 ? downName : upstreamDimension}" to map`);
    byUpstream.set(to, { from, mapping: m });
  }
  const counts = upstream.dimensions.map((d) => d.space.count);
  const ranges: IndexRange[] = [];
  const nonexistent = new Set<string>();
  const memo = new Map<string, UpstreamPartitions>();
  for (let i = range.start; i <= range.end; i++) {
    const down = downstream.dimensionIndexes(i);
    const perDimension = upstream.dimensions.map((d, u) => {
      const mapped = byUpstream.get(u);
      if (!mapped) return { ranges: d.space.count > 0 ? [{ start: 0, end: d.space.count - 1 }] : [], nonexistent: [] };
      const id = `${u}:${down[mapped.from]}`;
      let result = memo.get(id);
      if (!result) {
        const index = down[mapped.from]!;
        result = dimension(mapped.mapping, downstream.dimensions[mapped.from]!.space, { start: index, end: index }, d.space);
        memo.set(id, result);
      }
      return result;
    });
    ranges.push(
      ...product(
        perDimension.map((p) => p.ranges),
        counts,
      ),
    );
    perDimension.forEach((p, u) => {
      for (const missing of p.nonexistent) {
        for (const key of keysWith(
          upstream,
          perDimension.map((q) => q.ranges),
          u,
          missing,
        ))
          nonexistent.add(key);
      }
    });
  }
  return { ranges: mergeRanges(ranges), nonexistent: [...nonexistent] };
}

/** Multi keys with `key` in dimension `at` and the other dimensions' keys from their ranges. */
function keysWith(multi: PartitionSpace, perDimension: IndexRange[][], at: number, key: string): string[] {
  let keys = [""];
  multi.dimensions.forEach((d, i) => {
    const parts = i === at ? [key] : perDimension[i]!.flatMap((r) => d.space.keys(r));
    keys = keys.flatMap((prefix) => parts.map((part) => (i === 0 ? part : `${prefix}${MULTI_KEY_DELIMITER}${part}`)));
  });
  return keys;
}
