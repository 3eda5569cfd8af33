/**
 * Partitions definitions for assets (Dagster's `DailyPartitionsDefinition` and friends). Each
 * function returns the protocol's plain data, checked here so a mistake fails where it was made
 * rather than when the server or a run first evaluates it.
 */
import {
  backfillPolicySchema,
  DEFAULT_DATE_FORMAT,
  DEFAULT_HOURLY_FORMAT,
  MAX_MULTI_DIMENSIONS,
  MIN_MULTI_DIMENSIONS,
  partitionsDefinitionSchema,
  partitionsProblems,
  timeWindowCron,
} from "@strata/protocol";
import type {
  BackfillPolicy,
  DimensionPartitions,
  DynamicPartitions,
  MultiPartitions,
  PartitionsDefinition,
  StaticPartitions,
  TimeWindowPartitions,
  TimeWindowSchedule,
} from "@strata/protocol";
import { DefinitionError } from "./definition-error.js";

/**
 * What every time-window definition takes. `start` and `end` are local wall-clock times in
 * `timezone` ("2024-01-01" or "2024-01-01T06:00"); `end` is exclusive.
 */
export interface TimeWindowOptions {
  /** The first window starts at the first tick at or after it. */
  start: string;
  /** Exclusive; without it, windows continue up to now. */
  end?: string | undefined;
  /** IANA time zone. Defaults to "UTC". */
  timezone?: string | undefined;
  /** The key format in date-fns tokens ("yyyy-MM-dd"); the key is the window's start. */
  format?: string | undefined;
  /** Windows after the last complete one: 1 adds the window in progress, negative trims. Defaults to 0. */
  endOffset?: number | undefined;
}

/** Options of {@link timeWindowPartitions}: any five-field cron, one window per tick. */
export interface CronPartitionsOptions extends TimeWindowOptions {
  cron: string;
  format: string;
}

/** Options of {@link hourlyPartitions}. */
export interface HourlyPartitionsOptions extends TimeWindowOptions {
  /** Minute of the hour each window starts at. Defaults to 0. */
  minuteOffset?: number | undefined;
}

/** Options of {@link dailyPartitions}. */
export interface DailyPartitionsOptions extends HourlyPartitionsOptions {
  /** Hour of the day each window starts at. Defaults to 0. */
  hourOffset?: number | undefined;
}

/** Options of {@link weeklyPartitions}. */
export interface WeeklyPartitionsOptions extends DailyPartitionsOptions {
  /** Day of the week each window starts on, 0 = Sunday (the default). */
  dayOffset?: number | undefined;
}

/** Options of {@link monthlyPartitions}. */
export interface MonthlyPartitionsOptions extends DailyPartitionsOptions {
  /** Day of the month each window starts on. Defaults to 1. */
  dayOffset?: number | undefined;
}

const WALL_CLOCK = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?)?$/;

/** "2024-01-01" and "2024-01-01T06:00" as the protocol stores them: "2024-01-01T06:00:00". */
function wallClock(text: unknown, field: string, culprit: string): string {
  const match = typeof text === "string" ? WALL_CLOCK.exec(text) : null;
  if (!match) {
    throw new DefinitionError(
      "invalid_partitions",
      culprit,
      `${field} must be a local date or date-time like "2024-01-01" or "2024-01-01T06:00", got ${JSON.stringify(text)}`,
    );
  }
  const [, date, hour = "00", minute = "00", second = "00"] = match;
  return `${date}T${hour}:${minute}:${second}`;
}

function integerIn(value: number | undefined, fallback: number, min: number, max: number, field: string, culprit: string): number {
  const n = value ?? fallback;
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new DefinitionError("invalid_partitions", culprit, `${field} must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
  return n;
}

/**
 * Validates a definition as the server will: the schema, then what the schema cannot say (an
 * unknown time zone, a cron croner rejects, a format that does not round-trip, duplicate keys).
 */
function checked<D extends PartitionsDefinition>(def: D, culprit: string): D {
  const parsed = partitionsDefinitionSchema.safeParse(def);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new DefinitionError("invalid_partitions", culprit, `${issue.path.join(".") || "definition"} ${issue.message}`);
  }
  const problems = partitionsProblems(parsed.data);
  if (problems.length > 0) {
    throw new DefinitionError("invalid_partitions", culprit, problems.map((p) => `${p.path || "definition"}: ${p.message}`).join("; "));
  }
  return def;
}

function timeWindow(options: TimeWindowOptions, cron: string, format: string, culprit: string): TimeWindowPartitions {
  if (typeof options !== "object" || options === null) throw new DefinitionError("invalid_partitions", culprit, "options are required");
  return checked(
    {
      kind: "time_window",
      cron,
      start: wallClock(options.start, "start", culprit),
      end: options.end === undefined ? null : wallClock(options.end, "end", culprit),
      timezone: options.timezone ?? "UTC",
      format,
      endOffset: integerIn(options.endOffset, 0, -100_000, 100_000, "endOffset", culprit),
    },
    culprit,
  );
}

function scheduled(schedule: TimeWindowSchedule, options: WeeklyPartitionsOptions, culprit: string, format: string): TimeWindowPartitions {
  const offsets = {
    minuteOffset: integerIn(options?.minuteOffset, 0, 0, 59, "minuteOffset", culprit),
    hourOffset: integerIn(options?.hourOffset, 0, 0, 23, "hourOffset", culprit),
    dayOffset:
      schedule === "weekly"
        ? integerIn(options?.dayOffset, 0, 0, 6, "dayOffset", culprit)
        : integerIn(options?.dayOffset, 1, 1, 31, "dayOffset", culprit),
  };
  return timeWindow(options, timeWindowCron(schedule, offsets), options?.format ?? format, culprit);
}

/**
 * One partition per hour, keyed "2024-01-01-00:00" by default (Dagster's
 * `HourlyPartitionsDefinition`). In a zone with daylight saving time, the repeated hour's second
 * key carries its UTC offset ("2024-11-03-01:00-05:00").
 *
 * @example
 * ```ts
 * const hours = hourlyPartitions({ start: "2024-01-01", timezone: "America/New_York" });
 * ```
 */
export function hourlyPartitions(options: HourlyPartitionsOptions): TimeWindowPartitions {
  return scheduled("hourly", options, "hourlyPartitions", DEFAULT_HOURLY_FORMAT);
}

/**
 * One partition per day, keyed "2024-01-01" by default (Dagster's `DailyPartitionsDefinition`).
 *
 * @example
 * ```ts
 * const days = dailyPartitions({ start: "2024-01-01", timezone: "Europe/Berlin" });
 * ```
 */
export function dailyPartitions(options: DailyPartitionsOptions): TimeWindowPartitions {
  return scheduled("daily", options, "dailyPartitions", DEFAULT_DATE_FORMAT);
}

/**
 * One partition per week, starting on `dayOffset` (0 = Sunday, the default), keyed by its first day.
 *
 * @example
 * ```ts
 * const weeks = weeklyPartitions({ start: "2024-01-01", dayOffset: 1 }); // Monday to Monday
 * ```
 */
export function weeklyPartitions(options: WeeklyPartitionsOptions): TimeWindowPartitions {
  return scheduled("weekly", options, "weeklyPartitions", DEFAULT_DATE_FORMAT);
}

/**
 * One partition per month, starting on day `dayOffset` (default 1), keyed by its first day.
 *
 * @example
 * ```ts
 * const months = monthlyPartitions({ start: "2024-01-01" });
 * ```
 */
export function monthlyPartitions(options: MonthlyPartitionsOptions): TimeWindowPartitions {
  return scheduled("monthly", options, "monthlyPartitions", DEFAULT_DATE_FORMAT);
}

/**
 * One partition per tick of any five-field cron: each window runs from a tick to the next.
 *
 * @example
 * ```ts
 * const shifts = timeWindowPartitions({ cron: "0 6,14,22 * * *", start: "2024-01-01", format: "yyyy-MM-dd-HH:mm" });
 * ```
 */
export function timeWindowPartitions(options: CronPartitionsOptions): TimeWindowPartitions {
  const culprit = "timeWindowPartitions";
  if (typeof options?.cron !== "string") throw new DefinitionError("invalid_partitions", culprit, "cron is required");
  if (typeof options.format !== "string") throw new DefinitionError("invalid_partitions", culprit, "format is required");
  return timeWindow(options, options.cron, options.format, culprit);
}

/**
 * A fixed list of keys, in this order.
 *
 * @example
 * ```ts
 * const regions = staticPartitions(["eu", "us", "apac"]);
 * ```
 */
export function staticPartitions(keys: readonly string[]): StaticPartitions {
  if (!Array.isArray(keys)) throw new DefinitionError("invalid_partitions", "staticPartitions", "keys must be an array of strings");
  return checked({ kind: "static", keys: [...keys] }, "staticPartitions");
}

/**
 * Keys added and deleted while the location runs (a sensor, `strata partitions add`), kept by
 * the server under `name`. Assets sharing a name share the keys.
 *
 * @example
 * ```ts
 * const customers = dynamicPartitions("customers");
 * ```
 */
export function dynamicPartitions(name: string): DynamicPartitions {
  return checked({ kind: "dynamic", name }, `dynamicPartitions("${String(name)}")`);
}

/**
 * The cross product of 2 to 4 definitions, at most one of them time-based. Keys join the
 * dimensions' keys with "|" in dimension-name order: `multiPartitions({ region, date })` has keys
 * like "2024-01-01|eu".
 *
 * @example
 * ```ts
 * const byDayAndRegion = multiPartitions({ date: dailyPartitions({ start: "2024-01-01" }), region: staticPartitions(["eu", "us"]) });
 * ```
 */
export function multiPartitions(dimensions: Readonly<Record<string, DimensionPartitions>>): MultiPartitions {
  const culprit = "multiPartitions";
  const entries = Object.entries(dimensions ?? {});
  if (entries.length < MIN_MULTI_DIMENSIONS || entries.length > MAX_MULTI_DIMENSIONS) {
    throw new DefinitionError(
      "invalid_partitions",
      culprit,
      `takes ${MIN_MULTI_DIMENSIONS} to ${MAX_MULTI_DIMENSIONS} dimensions, got ${entries.length}`,
    );
  }
  for (const [name, def] of entries) {
    if ((def as PartitionsDefinition)?.kind === "multi") {
      throw new DefinitionError("invalid_partitions", culprit, `dimension "${name}" is itself multi-dimensional; list its dimensions here`);
    }
  }
  const sorted = entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return checked({ kind: "multi", dimensions: sorted.map(([name, partitions]) => ({ name, partitions })) }, culprit);
}

/**
 * The partitioning options of `asset`, `multiAsset`, `graphAsset` and `graphMultiAsset`.
 *
 * @example
 * ```ts
 * const options: PartitioningOptions = { partitions: dailyPartitions({ start: "2024-01-01" }), backfillPolicy: singleRun() };
 * ```
 */
export interface PartitioningOptions {
  /** How the asset is sliced; each run materializes one partition or a range of them. */
  partitions?: PartitionsDefinition | undefined;
  /** How a backfill groups partitions into runs. Defaults to one run per partition. */
  backfillPolicy?: BackfillPolicy | undefined;
}

/** Validates partitioning options (they may be hand-written data, not built with the helpers). @internal */
export function normalizePartitioning(
  options: PartitioningOptions,
  culprit: string,
): { partitions: PartitionsDefinition | null; backfillPolicy: BackfillPolicy | null } {
  const partitions = options.partitions === undefined ? null : checkedFor(options.partitions, culprit);
  if (options.backfillPolicy === undefined) return { partitions, backfillPolicy: null };
  if (partitions === null) throw new DefinitionError("invalid_option", culprit, "backfillPolicy needs partitions");
  const parsed = backfillPolicySchema.safeParse(options.backfillPolicy);
  if (!parsed.success) throw new DefinitionError("invalid_option", culprit, "backfillPolicy must be singleRun() or multiRun({ ... })");
  return { partitions, backfillPolicy: parsed.data };
}

function checkedFor(def: PartitionsDefinition, culprit: string): PartitionsDefinition {
  try {
    return checked(def, "partitions");
  } catch (error) {
    const detail = error instanceof DefinitionError ? error.message : String(error);
    throw new DefinitionError("invalid_partitions", culprit, detail);
  }
}
