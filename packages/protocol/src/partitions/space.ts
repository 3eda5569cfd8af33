/**
 * A partitions definition evaluated at an instant: how many partitions exist, key ↔ index, and
 * their time windows. Indexes are what subsets, statuses and backfills travel as (ranges of
 * them), so the common schedules answer in O(1) (see `schedule.ts`).
 */
import { canonicalJson } from "../canonical-json.js";
import type { PartitionsDefinition } from "./definition.js";
import { keyListSpace } from "./key-list-space.js";
import { MultiSpace } from "./multi-space.js";
import { PartitionError } from "./partition-error.js";
import { partitionsProblems } from "./problems.js";
import { TimeWindowSpace } from "./time-window-space.js";

/**
 * What evaluating a definition depends on besides the definition.
 *
 * @example
 * ```ts
 * const ctx: PartitionsContext = { now: new Date(), dynamicKeys: (name) => stored.get(name) ?? [] };
 * ```
 */
export interface PartitionsContext {
  /** The instant partitions are counted at: time windows exist once they have ended (see `endOffset`). */
  now: Date;
  /** The stored keys of a dynamic partitions definition, in order; a name it does not know has none. */
  dynamicKeys?: (name: string) => readonly string[];
}

/**
 * Partitions `start` through `end`, both inclusive, by index.
 *
 * @example
 * ```ts
 * const firstWeek: IndexRange = { start: 0, end: 6 };
 * days.keys(firstWeek); // ["2024-01-01", …, "2024-01-07"]
 * ```
 */
export interface IndexRange {
  start: number;
  end: number;
}

/**
 * A partition's time, `end` exclusive.
 *
 * @example
 * ```ts
 * const { start, end }: TimeWindow = days.timeWindow(0)!; // 2023-12-31T23:00Z → 2024-01-01T23:00Z in Berlin
 * ```
 */
export interface TimeWindow {
  start: Date;
  end: Date;
}

/**
 * A definition's partitions at `ctx.now`. Multi-partition indexes are row-major over the
 * dimensions in name order (the first dimension varies slowest).
 *
 * @example
 * ```ts
 * const byDayAndRegion = partitionSpace(multiDef, { now });
 * byDayAndRegion.keyAt(4); // "2024-01-02|us" (dimensions date, region: ["eu", "us", "apac"])
 * byDayAndRegion.dimensionsOf("2024-01-02|us"); // { date: "2024-01-02", region: "us" }
 * ```
 */
export interface PartitionSpace {
  readonly definition: PartitionsDefinition;
  /** Partitions existing at `ctx.now`. */
  readonly count: number;
  /** The key at `index`; a RangeError outside [0, count). */
  keyAt(index: number): string;
  /** The index of `key`, or `null` when it is not a key of this space (now). */
  indexOf(key: string): number | null;
  /** The keys in `range` (all of them without one). */
  keys(range?: IndexRange): string[];
  /** The window at `index` for time-window spaces and multi spaces with a time dimension; else `null`. */
  timeWindow(index: number): TimeWindow | null;
  /**
   * The window a key names, also for keys outside the space's current range ("2030-01-01");
   * `null` when the space has no time; a PartitionError `unknown_partition` when the key cannot name one.
   */
  timeWindowOfKey(key: string): TimeWindow | null;
  /** Multi only: the key of each dimension, by dimension name; `null` for other spaces. */
  dimensionsOf(key: string): Record<string, string> | null;
  /** Multi only: each dimension's space, in dimension (name) order; empty for other spaces. */
  readonly dimensions: readonly PartitionDimension[];
  /** Multi only: the name of the time-window dimension, if any. */
  readonly timeDimension: string | null;
  /** Multi only: the index in each dimension of the partition at `index`; `[index]` for other spaces. */
  dimensionIndexes(index: number): number[];
  /** Multi only: the index of the partition with these dimension indexes (inverse of `dimensionIndexes`). */
  indexOfDimensions(indexes: readonly number[]): number;
}

/**
 * One dimension of a multi space.
 *
 * @example
 * ```ts
 * const regions = space.dimensions.find((d: PartitionDimension) => d.name === "region")?.space.keys();
 * ```
 */
export interface PartitionDimension {
  name: string;
  space: PartitionSpace;
}

/**
 * Evaluates a definition at `ctx.now`. Throws a PartitionError `invalid_definition` when
 * `partitionsProblems` finds anything (the manifest edge rejects those first).
 *
 * @example
 * ```ts
 * const days = partitionSpace(
 *   { kind: "time_window", cron: "0 0 * * *", start: "2024-01-01", end: null, timezone: "Europe/Berlin", format: "yyyy-MM-dd", endOffset: 0 },
 *   { now: new Date("2024-03-31T22:30:00Z") },
 * );
 * days.count; // 91
 * days.keyAt(days.count - 1); // "2024-03-31"
 * days.indexOf("2024-02-01"); // 31
 * ```
 */
export function partitionSpace(def: PartitionsDefinition, ctx: PartitionsContext): PartitionSpace {
  const problem = definitionProblem(def);
  if (problem) throw new PartitionError("invalid_definition", problem);
  return evaluate(def, ctx);
}

// A server evaluates the same few definitions on every query; checking one costs croner runs.
const checked = new Map<string, string | null>();

function definitionProblem(def: PartitionsDefinition): string | null {
  const id = canonicalJson(def);
  let problem = checked.get(id);
  if (problem === undefined) {
    problem =
      partitionsProblems(def)
        .map((p) => `${p.path || "definition"}: ${p.message}`)
        .join("; ") || null;
    if (checked.size >= 256) checked.delete(checked.keys().next().value!);
    checked.set(id, problem);
  }
  return problem;
}

/** `partitionSpace` without the checks, for dimensions of a checked multi definition. */
export function evaluate(def: PartitionsDefinition, ctx: PartitionsContext): PartitionSpace {
  switch (def.kind) {
    case "time_window":
      return new TimeWindowSpace(def, ctx.now.getTime());
    case "static":
      return keyListSpace(def, def.keys);
    case "dynamic":
      return keyListSpace(def, ctx.dynamicKeys?.(def.name) ?? []);
    case "multi":
      return new MultiSpace(
        def,
        def.dimensions.map((d) => ({ name: d.name, space: evaluate(d.partitions, ctx) })),
      );
  }
}
