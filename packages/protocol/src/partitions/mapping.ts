/**
 * Partition mappings as data: which upstream partitions a downstream partition reads. Only
 * Dagster's built-in mappings exist here, because the server evaluates them without user code
 * (Dagster's own automation ignores non-built-in mappings for the same reason).
 */
import { z } from "zod";
import { canonicalJson } from "../canonical-json.js";
import { nameSchema } from "../names.js";
import { type PartitionsDefinition, partitionKeySchema } from "./definition.js";

const identityMappingSchema = z.object({ kind: z.literal("identity") });
const allMappingSchema = z.object({ kind: z.literal("all") });
const lastMappingSchema = z.object({ kind: z.literal("last") });
const specificMappingSchema = z.object({ kind: z.literal("specific"), keys: z.array(partitionKeySchema).min(1) });
const staticMapMappingSchema = z.object({
  kind: z.literal("static_map"),
  /** Upstream key → the downstream keys it feeds. */
  map: z.record(z.string().min(1), z.array(z.string().min(1))),
});
const timeWindowMappingSchema = z.object({
  kind: z.literal("time_window"),
  /** Shifts the start of the downstream window, in downstream windows (-1: one window earlier). */
  startOffset: z.number().int(),
  /** Shifts the end of the downstream window, in downstream windows. */
  endOffset: z.number().int(),
  /** Drop upstream windows outside the upstream's partitions instead of reporting them. */
  allowNonexistentUpstream: z.boolean(),
});
const multiToSingleMappingSchema = z.object({
  kind: z.literal("multi_to_single"),
  /** The multi side's dimension matching the single side; `null` when only one can match. */
  dimension: nameSchema.nullable(),
});

/** The schemas of the single-dimension mapping kinds, members of both unions below. */
const dimensionMappingKinds = [
  identityMappingSchema,
  allMappingSchema,
  lastMappingSchema,
  specificMappingSchema,
  staticMapMappingSchema,
  timeWindowMappingSchema,
] as const;

/** Mappings one dimension of a `multi` mapping may use: every kind but the multi ones. */
export const dimensionMappingSchema = z.discriminatedUnion("kind", dimensionMappingKinds);

const multiMappingSchema = z.object({
  kind: z.literal("multi"),
  /** Downstream dimension → the upstream dimension it reads and how. */
  dimensions: z.record(nameSchema, z.object({ upstreamDimension: nameSchema, mapping: dimensionMappingSchema })),
});

/**
 * Any partition mapping, by `kind`.
 *
 * @example
 * ```ts
 * partitionMappingSchema.parse({ kind: "time_window", startOffset: -6, endOffset: 0, allowNonexistentUpstream: false });
 * ```
 */
export const partitionMappingSchema = z.discriminatedUnion("kind", [
  ...dimensionMappingKinds,
  multiToSingleMappingSchema,
  multiMappingSchema,
]);

/**
 * Which upstream partitions a downstream partition depends on.
 *
 * @example
 * ```ts
 * // a 2-day rolling window over a daily upstream
 * const rolling: PartitionMapping = { kind: "time_window", startOffset: -1, endOffset: 0, allowNonexistentUpstream: false };
 * ```
 */
export type PartitionMapping = z.output<typeof partitionMappingSchema>;
/**
 * @example
 * ```ts
 * const sameDay: DimensionPartitionMapping = { kind: "identity" };
 * ```
 */
export type DimensionPartitionMapping = z.output<typeof dimensionMappingSchema>;

/**
 * The mapping Dagster infers between two assets' partitions (`infer_partition_mapping`):
 * the explicit one if given; else, when one side is multi-partitioned and exactly one of its
 * dimensions is the other side's definition, `multi_to_single` on that dimension (Dagster leaves
 * the dimension unnamed and finds it later; naming it here says the same thing); else, when both
 * are time windows, `time_window` with no offsets; else, when both are partitioned, `identity`;
 * else `all`.
 *
 * @example
 * ```ts
 * inferPartitionMapping(days, days); // { kind: "time_window", startOffset: 0, endOffset: 0, allowNonexistentUpstream: false }
 * inferPartitionMapping(null, days); // { kind: "all" }
 * ```
 */
export function inferPartitionMapping(
  upstream: PartitionsDefinition | null,
  downstream: PartitionsDefinition | null,
  explicit: PartitionMapping | null = null,
): PartitionMapping {
  if (explicit) return explicit;
  if (!upstream || !downstream) return { kind: "all" };
  const dimension = sharedDimension(upstream, downstream);
  if (dimension !== null) return { kind: "multi_to_single", dimension };
  if (upstream.kind === "time_window" && downstream.kind === "time_window") {
    return { kind: "time_window", startOffset: 0, endOffset: 0, allowNonexistentUpstream: false };
  }
  return { kind: "identity" };
}

/**
 * When exactly one of the two definitions is multi and exactly one of its dimensions is the
 * other definition, that dimension's name.
 *
 * @example
 * ```ts
 * sharedDimension(days, { kind: "multi", dimensions: [{ name: "date", partitions: days }, { name: "region", partitions: regions }] }); // "date"
 * ```
 */
export function sharedDimension(a: PartitionsDefinition, b: PartitionsDefinition): string | null {
  const [multi, single] = a.kind === "multi" ? [a, b] : [b, a];
  if (multi.kind !== "multi" || single.kind === "multi") return null;
  const target = canonicalJson(single);
  const matches = multi.dimensions.filter((d) => canonicalJson(d.partitions) === target);
  return matches.length === 1 ? matches[0]!.name : null;
}
