/**
 * Sets of partition indexes as sorted, disjoint, non-adjacent inclusive ranges: how subsets,
 * statuses and backfill targets travel, so 100,000 hourly partitions half materialized in 200
 * islands are 200 ranges, not 50,000 keys.
 */
import type { IndexRange } from "./space.js";

/**
 * Indexes (any order, duplicates allowed) as ranges.
 *
 * @example
 * ```ts
 * toRanges([5, 1, 2, 3, 3]); // [{ start: 1, end: 3 }, { start: 5, end: 5 }]
 * ```
 */
export function toRanges(indexes: Iterable<number>): IndexRange[] {
  const sorted = [...indexes].sort((a, b) => a - b);
  const ranges: IndexRange[] = [];
  for (const index of sorted) {
    const last = ranges[ranges.length - 1];
    if (last && index <= last.end + 1) last.end = Math.max(last.end, index);
    else ranges.push({ start: index, end: index });
  }
  return ranges;
}

/**
 * Any ranges (overlapping, adjacent, unsorted; empty ones with end < start are dropped) as
 * sorted, merged ranges.
 *
 * @example
 * ```ts
 * mergeRanges([{ start: 4, end: 6 }, { start: 0, end: 3 }]); // [{ start: 0, end: 6 }]
 * ```
 */
export function mergeRanges(ranges: Iterable<IndexRange>): IndexRange[] {
  const sorted = [...ranges].filter((r) => r.end >= r.start).sort((a, b) => a.start - b.start);
  const merged: IndexRange[] = [];
  for (const range of sorted) {
    const last = merged[merged.length - 1];
    if (last && range.start <= last.end + 1) last.end = Math.max(last.end, range.end);
    else merged.push({ start: range.start, end: range.end });
  }
  return merged;
}

/**
 * The indexes in `a` and not in `b`.
 *
 * @example
 * ```ts
 * subtractRanges([{ start: 0, end: 9 }], [{ start: 3, end: 4 }]); // [{ start: 0, end: 2 }, { start: 5, end: 9 }]
 * ```
 */
export function subtractRanges(a: Iterable<IndexRange>, b: Iterable<IndexRange>): IndexRange[] {
  const minus = mergeRanges(b);
  const result: IndexRange[] = [];
  let j = 0;
  for (const range of mergeRanges(a)) {
    let start = range.start;
    while (j < minus.length && minus[j]!.end < start) j++;
    let k = j;
    while (k < minus.length && minus[k]!.start <= range.end) {
      if (minus[k]!.start > start) result.push({ start, end: minus[k]!.start - 1 });
      start = Math.max(start, minus[k]!.end + 1);
      k++;
    }
    if (start <= range.end) result.push({ start, end: range.end });
  }
  return result;
}

/**
 * The indexes in both `a` and `b`.
 *
 * @example
 * ```ts
 * intersectRanges([{ start: 0, end: 5 }], [{ start: 3, end: 9 }]); // [{ start: 3, end: 5 }]
 * ```
 */
export function intersectRanges(a: Iterable<IndexRange>, b: Iterable<IndexRange>): IndexRange[] {
  const left = mergeRanges(a);
  const right = mergeRanges(b);
  const result: IndexRange[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length && j < right.length) {
    const start = Math.max(left[i]!.start, right[j]!.start);
    const end = Math.min(left[i]!.end, right[j]!.end);
    if (start <= end) result.push({ start, end });
    if (left[i]!.end < right[j]!.end) i++;
    else j++;
  }
  return result;
}

/**
 * How many indexes the ranges hold (overlaps counted once).
 *
 * @example
 * ```ts
 * rangesCount([{ start: 0, end: 9 }, { start: 20, end: 20 }]); // 11
 * ```
 */
export function rangesCount(ranges: Iterable<IndexRange>): number {
  return mergeRanges(ranges).reduce((sum, r) => sum + r.end - r.start + 1, 0);
}

/**
 * The ranges cut into chunks of at most `maxPerChunk` indexes, in order; a chunk never spans a
 * gap, so each is one contiguous run (Dagster's "100 partitions, max 11 per run → 10 runs, the
 * last with 1").
 *
 * @example
 * ```ts
 * chunkRanges([{ start: 0, end: 99 }], 30).length; // 4
 * ```
 */
export function chunkRanges(ranges: Iterable<IndexRange>, maxPerChunk: number): IndexRange[] {
  if (!Number.isInteger(maxPerChunk) || maxPerChunk < 1) throw new RangeError(`maxPerChunk must be a positive integer, got ${maxPerChunk}`);
  const chunks: IndexRange[] = [];
  for (const range of mergeRanges(ranges)) {
    for (let start = range.start; start <= range.end; start += maxPerChunk) {
      chunks.push({ start, end: Math.min(range.end, start + maxPerChunk - 1) });
    }
  }
  return chunks;
}
