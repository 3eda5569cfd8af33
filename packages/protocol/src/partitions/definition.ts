/**
 * Partitions definitions as data: what the manifest carries and the server reads without user
 * code. Semantics are Dagster's (`TimeWindowPartitionsDefinition`, `StaticPartitionsDefinition`,
 * `DynamicPartitionsDefinition`, `MultiPartitionsDefinition`); evaluation lives in `space.ts`.
 */
import { z } from "zod";
import { nameSchema } from "../names.js";

/** Characters a static or dynamic key may not contain: they delimit multi keys and key ranges. */
export const RESERVED_KEY_CHARACTERS = ["|", ",", "[", "]"] as const;
/** The delimiter between dimension keys in a multi-partition key ("2024-01-01|eu"). */
export const MULTI_KEY_DELIMITER = "|";
/** The longest partition key (static, dynamic) accepted on the wire. */
export const MAX_PARTITION_KEY_LENGTH = 1024;
/** Dimensions of a multi-partitions definition: Dagster allows exactly 2, Strata 2 to 4. */
export const MIN_MULTI_DIMENSIONS = 2;
export const MAX_MULTI_DIMENSIONS = 4;

/**
 * Default key formats (date-fns tokens, see `timeWindowPartitionsSchema.format`). Dagster's
 * strftime defaults are "%Y-%m-%d-%H:%M" and "%Y-%m-%d"; these produce the same keys.
 */
export const DEFAULT_HOURLY_FORMAT = "yyyy-MM-dd-HH:mm";
export const DEFAULT_DATE_FORMAT = "yyyy-MM-dd";

/** A local wall-clock time: "2024-01-01", "2024-01-01T06:00" or "2024-01-01T06:00:00". */
const WALL_CLOCK = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?)?$/;
const wallClockSchema = z.string().regex(WALL_CLOCK, 'must be a local date-time like "2024-01-01T00:00:00"');

export const partitionKeySchema = z
  .string()
  .min(1)
  .max(MAX_PARTITION_KEY_LENGTH)
  .refine((key) => !RESERVED_KEY_CHARACTERS.some((c) => key.includes(c)), { message: 'must not contain "|", ",", "[" or "]"' });

/**
 * Windows of time, one partition per cron tick: the key of a window is its start, formatted in
 * `timezone`. Daily/hourly/weekly/monthly are this kind with their offsets baked into the cron,
 * as Dagster does (`timeWindowCron`).
 */
export const timeWindowPartitionsSchema = z.object({
  kind: z.literal("time_window"),
  /** Five-field cron; each tick starts a window that ends at the next tick. */
  cron: z.string().min(1).max(256),
  /** Local wall clock in `timezone`; the first window starts at the first tick at or after it. */
  start: wallClockSchema,
  /** Local wall clock in `timezone`, exclusive: the last window ends at or before it. */
  end: wallClockSchema.nullable(),
  /** IANA time zone, e.g. "Europe/Berlin". */
  timezone: z.string().min(1).max(64),
  /**
   * The key format, in date-fns tokens ("yyyy-MM-dd", "yyyy-MM-dd-HH:mm"): the JavaScript
   * convention, where Dagster uses Python's strftime ("%Y-%m-%d").
   */
  format: z.string().min(1).max(128),
  /** Windows added after the last complete one (1 = the window in progress); negative trims. */
  endOffset: z.number().int().min(-100_000).max(100_000),
});

/** A fixed list of keys, in order. */
export const staticPartitionsSchema = z.object({
  kind: z.literal("static"),
  keys: z.array(partitionKeySchema).min(1).max(100_000),
});

/** Keys added and deleted at run time (GraphQL, sensors), stored by the server under `name`. */
export const dynamicPartitionsSchema = z.object({
  kind: z.literal("dynamic"),
  name: nameSchema,
});

const dimensionPartitionsSchema = z.discriminatedUnion("kind", [
  timeWindowPartitionsSchema,
  staticPartitionsSchema,
  dynamicPartitionsSchema,
]);

/**
 * The cross product of 2 to 4 dimensions, sorted by name, at most one of them time-based. A key
 * is the dimension keys joined by "|" in dimension order ("2024-01-01|eu").
 */
export const multiPartitionsSchema = z.object({
  kind: z.literal("multi"),
  dimensions: z
    .array(z.object({ name: nameSchema, partitions: dimensionPartitionsSchema }))
    .min(MIN_MULTI_DIMENSIONS)
    .max(MAX_MULTI_DIMENSIONS),
});

/**
 * Any partitions definition, by `kind`. Check what it cannot say with `partitionsProblems`.
 *
 * @example
 * ```ts
 * const def = partitionsDefinitionSchema.parse(json); // throws a ZodError naming each field at fault
 * const problems = partitionsProblems(def);
 * ```
 */
export const partitionsDefinitionSchema = z.discriminatedUnion("kind", [
  timeWindowPartitionsSchema,
  staticPartitionsSchema,
  dynamicPartitionsSchema,
  multiPartitionsSchema,
]);

/**
 * How an asset is sliced: time windows, static keys, dynamic keys or their product.
 *
 * @example
 * ```ts
 * const days: PartitionsDefinition = {
 *   kind: "time_window", cron: "0 0 * * *", start: "2024-01-01T00:00:00", end: null,
 *   timezone: "Europe/Berlin", format: "yyyy-MM-dd", endOffset: 0,
 * };
 * ```
 */
export type PartitionsDefinition = z.output<typeof partitionsDefinitionSchema>;
/**
 * @example
 * ```ts
 * const hours: TimeWindowPartitions = { kind: "time_window", cron: "0 * * * *", start: "2024-01-01T00:00:00",
 *   end: null, timezone: "UTC", format: "yyyy-MM-dd-HH:mm", endOffset: 0 };
 * ```
 */
export type TimeWindowPartitions = z.output<typeof timeWindowPartitionsSchema>;
/**
 * @example
 * ```ts
 * const regions: StaticPartitions = { kind: "static", keys: ["eu", "us"] };
 * ```
 */
export type StaticPartitions = z.output<typeof staticPartitionsSchema>;
/**
 * @example
 * ```ts
 * const customers: DynamicPartitions = { kind: "dynamic", name: "customers" };
 * ```
 */
export type DynamicPartitions = z.output<typeof dynamicPartitionsSchema>;
/**
 * @example
 * ```ts
 * const byDayAndRegion: MultiPartitions = { kind: "multi", dimensions: [
 *   { name: "date", partitions: days }, { name: "region", partitions: { kind: "static", keys: ["eu", "us"] } }] };
 * ```
 */
export type MultiPartitions = z.output<typeof multiPartitionsSchema>;
/** A dimension's partitions: anything but multi. */
export type DimensionPartitions = z.output<typeof dimensionPartitionsSchema>;

/** The schedules Dagster's subclasses (`DailyPartitionsDefinition`…) stand for. */
export type TimeWindowSchedule = "hourly" | "daily" | "weekly" | "monthly";

/**
 * The cron of a Dagster-style schedule with its offsets baked in, as Dagster's
 * `cron_schedule_from_schedule_type_and_offsets` does: hourly `M * * * *`, daily `M H * * *`,
 * weekly `M H * * D` (D: 0 = Sunday, the default), monthly `M H D * *` (D defaults to 1).
 *
 * @example
 * ```ts
 * timeWindowCron("weekly", { dayOffset: 1, hourOffset: 6 }); // "0 6 * * 1"
 * ```
 */
export function timeWindowCron(
  schedule: TimeWindowSchedule,
  offsets: { minuteOffset?: number; hourOffset?: number; dayOffset?: number } = {},
): string {
  const m = offsets.minuteOffset ?? 0;
  const h = offsets.hourOffset ?? 0;
  switch (schedule) {
    case "hourly":
      return `${m} * * * *`;
    case "daily":
      return `${m} ${h} * * *`;
    case "weekly":
      return `${m} ${h} * * ${offsets.dayOffset ?? 0}`;
    case "monthly":
      return `${m} ${h} ${offsets.dayOffset ?? 1} * *`;
  }
}
