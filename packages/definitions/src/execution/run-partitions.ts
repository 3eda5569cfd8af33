/**
 * Which partitions each step of a run materializes and loads, resolved before the run starts,
 * so an unknown key or a mapping that reaches outside the upstream's partitions fails with no
 * event emitted. The partition logic itself (key ↔ index, mappings) is the protocol's, the code
 * the server runs too, so a run here covers exactly the partitions the server planned.
 */
import {
  canonicalJson,
  inferPartitionMapping,
  PartitionError,
  partitionSpace,
  subtractRanges,
  upstreamRanges,
  type PartitionMapping,
  type PartitionSpace,
  type PartitionsDefinition,
} from "@strata/protocol";
import type { PartitionContext } from "../authoring/step-context.js";
import type { StepInputSpec, StepSpec } from "../authoring/step-spec.js";
import { RunPartitionsError } from "./run-partitions-error.js";

/**
 * The partitions a run covers: one key, or a range by its first and last keys (inclusive).
 *
 * @example
 * ```ts
 * const request: PartitionRequest = { partitionRange: { from: "2024-01-01", to: "2024-03-30" } };
 * ```
 */
export interface PartitionRequest {
  partition?: string | null | undefined;
  partitionRange?: { from: string; to: string } | null | undefined;
  /**
   * The keys of dynamic partitions definitions, by name. Without it, a dynamic definition is
   * taken to hold the keys the run names (a worker trusts the server, which checked them).
   */
  dynamicPartitions?: Readonly<Record<string, readonly string[]>> | undefined;
}

/** What one step of a partitioned run materializes and loads. @internal */
export interface StepPartitions {
  /** `null` when the step's assets are not partitioned. */
  context: PartitionContext | null;
  /** The keys its asset outputs are stored under (empty when unpartitioned). */
  outputKeys: readonly string[];
  /** Per input name: the upstream keys to load (empty: the upstream is not partitioned). */
  inputKeys: ReadonlyMap<string, readonly string[]>;
}

const UNPARTITIONED: StepPartitions = { context: null, outputKeys: [], inputKeys: new Map() };

function describeKeys(keys: readonly string[]): string {
  const shown = keys.slice(0, 5).map((k) => `"${k}"`);
  return shown.join(", ") + (keys.length > 5 ? ` and ${keys.length - 5} more` : "");
}

/**
 * Dynamic keys: as given, else the keys the request names (for a multi definition, their part in
 * the dynamic dimension), in the order given.
 */
function dynamicKeysFor(def: PartitionsDefinition, request: PartitionRequest): (name: string) => string[] {
  const named =
    request.partition != null
      ? [request.partition]
      : request.partitionRange
        ? [request.partitionRange.from, request.partitionRange.to]
        : [];
  return (name) => {
    const given = request.dynamicPartitions?.[name];
    if (given) return [...given];
    if (def.kind !== "multi") return [...new Set(named)];
    const at = def.dimensions.findIndex((d) => d.partitions.kind === "dynamic" && d.partitions.name === name);
    return [...new Set(named.map((key) => key.split("|")[at] ?? key))];
  };
}

function spaceOf(def: PartitionsDefinition, now: Date, request: PartitionRequest): PartitionSpace {
  return partitionSpace(def, { now, dynamicKeys: dynamicKeysFor(def, request) });
}

/**
 * Resolves a run's partitions for its steps. Every partitioned step must share one definition
 * (as in Dagster and on the server); unpartitioned steps of the run run once, unpartitioned.
 * Throws a `RunPartitionsError` for an unknown key, a partition on a selection with nothing
 * partitioned, a partitioned selection without a partition, and mappings that cannot be met.
 * @internal
 */
export function resolveRunPartitions(
  steps: readonly StepSpec[],
  request: PartitionRequest,
  now: Date,
): ReadonlyMap<string, StepPartitions> {
  const { partition, partitionRange } = request;
  const requested = partition != null || partitionRange != null;
  if (partition != null && partitionRange != null)
    throw new RunPartitionsError("invalid_range", "give a partition or a partitionRange, not both");
  const partitioned = steps.filter((s) => s.partitions !== null);
  const definitions = new Map<string, PartitionsDefinition>();
  for (const step of partitioned) definitions.set(canonicalJson(step.partitions), step.partitions!);
  if (!requested) {
    if (partitioned.length > 0) {
      throw new RunPartitionsError(
        "missing_partition",
        `${describeKeys(partitioned.map((s) => s.key))} ${partitioned.length === 1 ? "is" : "are"} partitioned: run with a partition or a partitionRange`,
      );
    }
    return new Map(steps.map((s) => [s.key, resolveUnpartitioned(s, now, request)]));
  }
  if (definitions.size === 0) {
    throw new RunPartitionsError(
      "not_partitioned",
      `nothing selected is partitioned (${describeKeys(steps.map((s) => s.key))}): run without a partition`,
    );
  }
  if (definitions.size > 1) {
    throw new RunPartitionsError(
      "mixed_partitions",
      `${describeKeys(partitioned.map((s) => s.key))} have different partitions definitions: run each definition's assets separately`,
    );
  }
  const def = [...definitions.values()][0]!;
  const space = spaceOf(def, now, request);
  const [fromKey, toKey] = partition != null ? [partition, partition] : [partitionRange!.from, partitionRange!.to];
  const unknown = [...new Set([fromKey, toKey])].filter((key) => space.indexOf(key) === null);
  if (unknown.length > 0) {
    throw new RunPartitionsError(
      "unknown_partition",
      `no partition ${describeKeys(unknown)} in ${describeKeys(partitioned.map((s) => s.key))} (${space.count} partitions now)`,
    );
  }
  const range = { start: space.indexOf(fromKey)!, end: space.indexOf(toKey)! };
  if (range.end < range.start) throw new RunPartitionsError("invalid_range", `"${fromKey}" comes after "${toKey}"`);
  const keys = space.keys(range);
  const context = partitionContext(space, range, keys, partition ?? null);
  const resolved = new Map<string, StepPartitions>();
  for (const step of steps) {
    if (step.partitions === null) resolved.set(step.key, resolveUnpartitioned(step, now, request));
    else {
      const inputKeys = new Map(step.inputs.map((input) => [input.name, upstreamKeys(step, input, { space, range }, now, request)]));
      resolved.set(step.key, { context, outputKeys: keys, inputKeys });
    }
  }
  return resolved;
}

function partitionContext(
  space: PartitionSpace,
  range: { start: number; end: number },
  keys: string[],
  key: string | null,
): PartitionContext {
  const first = space.timeWindow(range.start);
  const last = space.timeWindow(range.end);
  return {
    key,
    keys,
    range: { start: keys[0]!, end: keys[keys.length - 1]! },
    timeWindow: first && last ? { start: new Date(first.start), end: new Date(last.end) } : null,
    dimensions: key === null ? null : space.dimensionsOf(key),
  };
}

function resolveUnpartitioned(step: StepSpec, now: Date, request: PartitionRequest): StepPartitions {
  if (step.inputs.every((i) => i.upstreamPartitions === null)) return UNPARTITIONED;
  return { ...UNPARTITIONED, inputKeys: new Map(step.inputs.map((input) => [input.name, upstreamKeys(step, input, null, now, request)])) };
}

/** The upstream keys an input loads for the step's partitions (`downstream`, `null` when unpartitioned). */
function upstreamKeys(
  step: StepSpec,
  input: StepInputSpec,
  downstream: { space: PartitionSpace; range: { start: number; end: number } } | null,
  now: Date,
  request: PartitionRequest,
): string[] {
  const upstreamDef = input.upstreamPartitions;
  if (upstreamDef === null) return [];
  const where = `input "${input.name}" of step "${step.key}" (from "${input.assetKeyString}")`;
  const mapping: PartitionMapping = input.mapping ?? inferPartitionMapping(upstreamDef, step.partitions);
  const upstream = spaceOf(upstreamDef, now, request);
  try {
    if (downstream === null) return unpartitionedDownstreamKeys(mapping, upstream, where);
    const { ranges, nonexistent } = upstreamRanges(mapping, downstream.space, downstream.range, upstream);
    if (input.self) {
      // Earlier partitions of the step's own asset: those before its first partition do not
      // exist and are dropped (the first partition reads nothing), and those this run
      // materializes itself (a range run) are not loaded: the input holds what came before.
      const own = downstream.range;
      return subtractRanges(ranges, [own]).flatMap((r) => upstream.keys(r));
    }
    // Empty when a time-window mapping allows nonexistent upstream windows: they were dropped.
    if (nonexistent.length > 0) {
      throw new RunPartitionsError(
        "invalid_mapping",
        `${where} reads partitions the upstream does not have (${describeKeys(nonexistent)}); ` +
          "materialize a later range, or allow it with timeWindowMapping({ allowNonexistentUpstream: true })",
      );
    }
    return ranges.flatMap((r) => upstream.keys(r));
  } catch (error) {
    if (error instanceof PartitionError) throw new RunPartitionsError("invalid_mapping", `${where}: ${error.message}`, { cause: error });
    throw error;
  }
}

/** An unpartitioned step reads a partitioned upstream whole, its last partition, or named keys. */
function unpartitionedDownstreamKeys(mapping: PartitionMapping, upstream: PartitionSpace, where: string): string[] {
  if (mapping.kind === "all") return upstream.keys();
  if (mapping.kind === "last") return upstream.count === 0 ? [] : [upstream.keyAt(upstream.count - 1)];
  if (mapping.kind === "specific") {
    const missing = mapping.keys.filter((key) => upstream.indexOf(key) === null);
    if (missing.length > 0)
      throw new RunPartitionsError("invalid_mapping", `${where}: the upstream has no partition ${describeKeys(missing)}`);
    return [...mapping.keys];
  }
  throw new RunPartitionsError("invalid_mapping", `${where}: a ${mapping.kind} mapping needs a partitioned downstream asset`);
}
