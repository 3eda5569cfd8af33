/**
 * Partition mappings as data: which upstream partitions a downstream partition reads. Only
 * Dagster's built-in mappings exist here, because the server evaluates them without user code
 * (Dagster's own automation ignores non-built-in mappings for the same reason).
 */
import { z } from "zod";
import { nameSchema } from "../names.js";
import { partitionKeySchema } from "./definition.js";

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

/** Mappings one dimension of a `multi` mapping may use: every kind but the multi ones. */
export const dimensionMappingSchema = z.discriminatedUnion("kind", [
  identityMappingSchema,
  allMappingSchema,
  lastMappingSchema,
  specificMappingSchema,
  staticMapMappingSchema,
  timeWindowMappingSchema,
]);

const multiMappingSchema = z.object({
  kind: z.literal("multi"),
  /** Downstream dimension → the upstream dimension it reads and how. */
  dimensions: z.record(nameSchema, z.object({ upstreamDimension: nameSchema, mapping: dimensionMappingSchema })),
});

export const partitionMappingSchema = z.discriminatedUnion("kind", [
  identityMappingSchema,
  allMappingSchema,
  lastMappingSchema,
  specificMappingSchema,
  staticMapMappingSchema,
  timeWindowMappingSchema,
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
