/**
 * Sensors on the wire. A sensor is user code: the manifest carries only its name, its timing and
 * its default targets; the server asks the code location to evaluate it (a sensor tick, handed
 * out over the location's pull channel) and the location reports what the function returned
 * (`sensorTickResultSchema`). The server never runs the function.
 */
import { z } from "zod";
import { assetKeySchema, isTagKey, nameSchema } from "../names.js";
import { scheduleStatusSchema } from "../schedules/schedule.js";
import { serializedErrorSchema } from "../serialized-error.js";

/** Dagster's default sensor interval (DEFAULT_SENSOR_DAEMON_INTERVAL, 30 s). */
export const DEFAULT_SENSOR_INTERVAL_MS = 30_000;
/** Dagster's default sensor evaluation timeout (60 s). */
export const DEFAULT_SENSOR_TIMEOUT_MS = 60_000;
/** The longest a sensor's evaluation may take. */
export const MAX_SENSOR_TIMEOUT_MS = 15 * 60_000;
/** A cursor is a string the sensor keeps between ticks (Dagster's is too); at most 64 KiB. */
export const MAX_SENSOR_CURSOR_LENGTH = 65_536;
/** The most runs one tick may request. */
export const MAX_SENSOR_RUN_REQUESTS = 1_000;

/** One sensor of a code location. */
export const manifestSensorSchema = z.object({
  /** Unique within the location. */
  name: nameSchema,
  /** At least this long between the starts of two ticks. */
  minimumIntervalMs: z.number().int().min(100).max(86_400_000),
  /** An evaluation not reported within this long after its tick started fails the tick. */
  timeoutMs: z.number().int().min(100).max(MAX_SENSOR_TIMEOUT_MS),
  /** What a run request without `assetKeys` materializes: assets of this location, sorted; may be empty. */
  targets: z.array(assetKeySchema),
  description: z.string().max(100_000).nullable(),
  /** Its status until someone starts or stops it on the server. */
  defaultStatus: scheduleStatusSchema,
});

/** One run a sensor asks for. */
export const sensorRunRequestSchema = z.object({
  /** A key launched at most once per sensor: a tick that repeats it launches nothing for it. */
  runKey: z.string().min(1).max(1024).nullable().default(null),
  /** The assets to materialize; null: the sensor's targets. */
  assetKeys: z.array(assetKeySchema).min(1).nullable().default(null),
  tags: z
    .record(z.string(), z.string().max(1024))
    .default({})
    .refine((tags) => Object.keys(tags).every(isTagKey), "tag keys must be 1-255 of [A-Za-z0-9_./-]"),
  /** For partitioned assets: the partition to materialize. */
  partitionKey: z.string().min(1).max(1024).nullable().default(null),
});

/** What a code location reports for a sensor tick: the function's result, or the error it threw. */
export const sensorTickResultSchema = z.object({
  runRequests: z.array(sensorRunRequestSchema).max(MAX_SENSOR_RUN_REQUESTS).default([]),
  /** Why it requested nothing (the tick is SKIPPED with it). */
  skipReason: z.string().max(10_000).nullable().default(null),
  /** The cursor to hand the next tick; undefined/null keeps the current one. */
  cursor: z.string().max(MAX_SENSOR_CURSOR_LENGTH).nullable().default(null),
  /** Set when the function threw: the tick fails with it and the cursor stays. */
  error: serializedErrorSchema.nullable().default(null),
});

/**
 * @example
 * ```ts
 * const fast = manifest.sensors?.filter((s: ManifestSensor) => s.minimumIntervalMs < 60_000);
 * ```
 */
export type ManifestSensor = z.output<typeof manifestSensorSchema>;
/**
 * @example
 * ```ts
 * const request: SensorRunRequest = { runKey: "file-1.csv", assetKeys: null, tags: {}, partitionKey: null };
 * ```
 */
export type SensorRunRequest = z.output<typeof sensorRunRequestSchema>;
/**
 * @example
 * ```ts
 * const result: SensorTickResult = sensorTickResultSchema.parse({ skipReason: "no new files" });
 * ```
 */
export type SensorTickResult = z.output<typeof sensorTickResultSchema>;
/** The result as a location writes it (defaults filled in by the server). */
export type SensorTickResultInput = z.input<typeof sensorTickResultSchema>;

/**
 * What the schema cannot say about a location's sensors: a duplicated name, or a target that is
 * not an asset of the location. `path` is relative to the sensors list ("1.targets.0").
 *
 * @example
 * ```ts
 * sensorProblems([{ ...s, targets: ["nope"] }], assets); // [{ path: "0.targets.0", message: '"nope" is not an asset of this code location' }]
 * ```
 */
export function sensorProblems(
  sensors: readonly ManifestSensor[],
  assets: readonly { key: string }[],
): { path: string; message: string }[] {
  if (sensors.length === 0) return []; // no set of every asset key for nothing
  const keys = new Set(assets.map((a) => a.key));
  const problems: { path: string; message: string }[] = [];
  const seen = new Set<string>();
  sensors.forEach((s, i) => {
    if (seen.has(s.name)) problems.push({ path: `${i}.name`, message: `duplicates the sensor "${s.name}"` });
    seen.add(s.name);
    s.targets.forEach((key, j) => {
      if (!keys.has(key)) problems.push({ path: `${i}.targets.${j}`, message: `"${key}" is not an asset of this code location` });
    });
  });
  return problems;
}
