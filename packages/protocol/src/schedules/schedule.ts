/**
 * Schedules on the wire: a cron in a time zone that launches a run of some assets at each of its
 * instants (Dagster's `ScheduleDefinition` with a static asset target). Plain data: the server
 * evaluates it without running user code. Partitioned targets share one partitions definition;
 * each run materializes `partitionKey`, or, for time windows without one, the latest window that
 * has ended at the scheduled instant (Dagster's `build_schedule_from_partitioned_job`).
 *
 * A schedule with `function` is evaluated by user code instead (Dagster's `@schedule` function):
 * the server still decides when it is due, then hands the scheduled instant to the code location
 * over the pull channel sensors use (`claimScheduleTicks`), and the location answers with run
 * requests or a skip reason (`scheduleTickResultSchema`). The server never runs the function.
 */
import { z } from "zod";
import { assetKeySchema, nameSchema } from "../names.js";

/** Dagster's default evaluation timeout of a schedule function (60 s, its gRPC default). */
export const DEFAULT_SCHEDULE_TIMEOUT_MS = 60_000;
/** The longest a schedule function's evaluation may take. */
export const MAX_SCHEDULE_TIMEOUT_MS = 15 * 60_000;

/** RUNNING: it launches runs; STOPPED: it does not. */
export const scheduleStatusSchema = z.enum(["RUNNING", "STOPPED"]);

/** One schedule of a code location. */
export const manifestScheduleSchema = z.object({
  /** Unique within the location. */
  name: nameSchema,
  /** Five fields: minute hour day-of-month month day-of-week. */
  cron: z.string().min(1).max(255),
  /** IANA time zone the cron is read in, e.g. "America/New_York". */
  timezone: z.string().min(1).max(64),
  /** The asset keys each run materializes: assets of this location, sorted. */
  targets: z.array(assetKeySchema).min(1),
  /**
   * For partitioned targets: the partition every run materializes. Absent for time-window
   * targets: the latest window ended at the scheduled instant. Absent is not written, so a
   * manifest without it hashes as before.
   */
  partitionKey: z.string().min(1).max(1024).optional(),
  /** Tags every run it launches carries (besides strata/schedule and strata/scheduled_at). */
  tags: z.record(z.string().max(255), z.string().max(1024)),
  description: z.string().max(100_000).nullable(),
  /** Its status until someone starts or stops it on the server. */
  defaultStatus: scheduleStatusSchema,
  /**
   * Present when a function in the code location evaluates each scheduled instant; absent (and
   * not written) for a schedule as data, so such a manifest hashes as before.
   */
  function: z
    .object({
      /** A tick whose evaluation has not come back within this long after it started fails. */
      timeoutMs: z.number().int().min(100).max(MAX_SCHEDULE_TIMEOUT_MS),
    })
    .optional(),
});

/**
 * @example
 * ```ts
 * const daily = manifest.schedules.filter((s: ManifestSchedule) => s.cron === "0 0 * * *");
 * ```
 */
export type ManifestSchedule = z.output<typeof manifestScheduleSchema>;
/**
 * @example
 * ```ts
 * const running: ScheduleStatus = "RUNNING";
 * ```
 */
export type ScheduleStatus = z.output<typeof scheduleStatusSchema>;
