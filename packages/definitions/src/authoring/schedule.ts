import {
  DEFAULT_SCHEDULE_TIMEOUT_MS,
  type ManifestSchedule,
  MAX_SCHEDULE_TIMEOUT_MS,
  scheduleProblems,
  type ScheduleTickResultInput,
} from "@strata/protocol";
import { type AssetKeyInput, checkName } from "./asset-key.js";
import type { AssetsDefinition } from "./assets-definition.js";
import { DefinitionError } from "./definition-error.js";
import { checkedTags, type InstigatorFields, instigatorManifest, optionChecks, targetKeys } from "./instigator-checks.js";
import { type RunRequest, wireRunRequest } from "./sensor.js";

/**
 * Options of {@link schedule}.
 *
 * @example
 * ```ts
 * const options: ScheduleOptions = { name: "nightly", cron: "0 2 * * *", timezone: "Europe/Berlin", target: [orders] };
 * ```
 */
export interface ScheduleOptions {
  /** Unique within the location; `strata automation start <name>` uses it. */
  name: string;
  /** Five fields: minute hour day-of-month month day-of-week, e.g. "0 2 * * *". */
  cron: string;
  /** The IANA time zone the cron is read in. Defaults to "UTC". */
  timezone?: string;
  /** What each run materializes: assets (all of a multi-asset's keys) or asset keys of these definitions. */
  target: readonly (AssetsDefinition | AssetKeyInput)[];
  /**
   * For partitioned targets (they must share one partitions definition): the partition every run
   * materializes. Leave it out for time-window partitions: each run then materializes the latest
   * window that has ended at its scheduled instant, as Dagster's schedules built from partitioned
   * jobs do (a daily schedule at 01:00 runs yesterday's partition).
   */
  partitionKey?: string;
  /** Tags of every run it launches. */
  tags?: Readonly<Record<string, string>>;
  description?: string;
  /**
   * Its status until someone starts or stops it on the server. Defaults to RUNNING, unlike
   * Dagster's STOPPED: a schedule is listed explicitly in `new Definitions(...)`, so writing it
   * down is the intent to run it, and Dagster's default is the most reported surprise of its
   * schedules ("my schedule never ran"). Write STOPPED to register one switched off.
   */
  defaultStatus?: "RUNNING" | "STOPPED";
}

/** Options of a {@link schedule} with an evaluation function. */
export interface ScheduleFunctionOptions extends ScheduleOptions {
  /** The tick fails when the function has not answered within this long (default 60 s, Dagster's). */
  timeoutMs?: number;
}

/** What a schedule's function gets at each scheduled instant. */
export interface ScheduleContext {
  /**
   * The instant being evaluated: the cron's wall time in the schedule's time zone, resolved as
   * data schedules resolve it (a time skipped by DST is the instant the gap ends). The same on a
   * retry or after downtime, not the time the function happens to run.
   */
  scheduledTime: Date;
  /** Aborted when the tick's `timeoutMs` has passed: the tick has failed, stop working. */
  signal: AbortSignal;
}

/** Why a scheduled instant launches nothing: the tick is SKIPPED and shows it. */
export interface SkipReason {
  skipReason: string;
}

/**
 * What a schedule's function returns: one run request, several, a skip reason, or nothing (one
 * run of the target, as a schedule without a function launches). A request's `runKey` launches
 * at most once per schedule; its `assets` default to the target, its `partitionKey` to the
 * schedule's (or the latest time window ended at the scheduled instant).
 */
export type ScheduleEvaluation = RunRequest | readonly RunRequest[] | SkipReason | undefined | void;

export type ScheduleFunction = (context: ScheduleContext) => ScheduleEvaluation | Promise<ScheduleEvaluation>;

/**
 * A schedule as data: at every instant its cron names in its time zone, the server launches one
 * run of the target, tagged `strata/schedule=<name>` and `strata/scheduled_at=<ISO instant>`
 * (of `partitionKey`, or of the latest time window ended then, for partitioned targets).
 * DST as Dagster has it: a wall time that does not exist fires when the gap ends, one that
 * occurs twice fires once. List it in `new Definitions({ assets, schedules })`.
 *
 * With a function (Dagster's `@schedule`), the server still decides when an instant is due, then
 * asks this code location to evaluate it (in the location's process, never the server's): the
 * function gets `scheduledTime` and answers with run requests, a skip reason, or nothing (the
 * default run). A function that throws, or outlives `timeoutMs`, fails that tick; the next
 * instant fires as usual.
 *
 * @example
 * ```ts
 * const nightly = schedule({ name: "nightly", cron: "0 2 * * *", timezone: "America/New_York", target: [orders, "sales/summary"] });
 * const weekdays = schedule({ name: "weekdays", cron: "0 6 * * *", target: [orders] }, ({ scheduledTime }) => {
 *   if ([0, 6].includes(scheduledTime.getUTCDay())) return { skipReason: "weekend" };
 *   return { runKey: scheduledTime.toISOString(), tags: { day: scheduledTime.toISOString().slice(0, 10) } };
 * });
 * export default new Definitions({ assets: [orders, summary], schedules: [nightly, weekdays] });
 * ```
 */
export function schedule(options: ScheduleOptions): ScheduleDefinition;
export function schedule(options: ScheduleFunctionOptions, fn: ScheduleFunction): ScheduleDefinition;
export function schedule(options: ScheduleFunctionOptions, fn?: ScheduleFunction): ScheduleDefinition {
  return new ScheduleDefinition(options, fn);
}

/** A schedule, made by {@link schedule}. */
export class ScheduleDefinition implements InstigatorFields {
  readonly name: string;
  readonly cron: string;
  readonly timezone: string;
  /** Slash-joined asset keys, sorted. */
  readonly targets: readonly string[];
  readonly partitionKey: string | undefined;
  readonly tags: Readonly<Record<string, string>>;
  readonly description: string | null;
  readonly defaultStatus: "RUNNING" | "STOPPED";
  /** The evaluation function; null for a schedule as data. */
  readonly fn: ScheduleFunction | null;
  /** How long its function may take; null without one. */
  readonly timeoutMs: number | null;

  constructor(options: ScheduleFunctionOptions, fn?: ScheduleFunction) {
    if (!options || typeof options !== "object") throw new DefinitionError("invalid_option", "schedule", "options are required");
    this.name = checkName(options.name, "schedule name", "schedule");
    const culprit = `schedule "${this.name}"`;
    const check = optionChecks("invalid_schedule", culprit);
    if (typeof options.cron !== "string") throw new DefinitionError("invalid_schedule", culprit, "cron must be a string");
    this.cron = options.cron.trim();
    this.timezone = options.timezone ?? "UTC";
    if (!Array.isArray(options.target) || options.target.length === 0)
      throw new DefinitionError("invalid_schedule", culprit, "target must list at least one asset or asset key");
    this.targets = targetKeys(options.target, culprit);
    if (options.partitionKey !== undefined && (typeof options.partitionKey !== "string" || options.partitionKey.length === 0))
      throw new DefinitionError("invalid_schedule", culprit, "partitionKey must be a non-empty string");
    this.partitionKey = options.partitionKey;
    this.tags = checkedTags(options.tags, culprit);
    this.description = options.description ?? null;
    this.defaultStatus = check.defaultStatus(options.defaultStatus);
    if (fn !== undefined && typeof fn !== "function")
      throw new DefinitionError("invalid_schedule", culprit, "its second argument must be a function");
    this.fn = fn ?? null;
    if (this.fn === null && options.timeoutMs !== undefined)
      throw new DefinitionError("invalid_schedule", culprit, "timeoutMs applies to a schedule with a function only");
    const timeoutMs = check.milliseconds(options.timeoutMs ?? DEFAULT_SCHEDULE_TIMEOUT_MS, "timeoutMs", 100, MAX_SCHEDULE_TIMEOUT_MS);
    this.timeoutMs = this.fn === null ? null : timeoutMs;
    // The cron and time zone alone: targets and partitions are checked against the assets by Definitions.
    const problem = scheduleProblems(
      [this.toManifest()],
      this.targets.map((key) => ({ key, partitions: undefined })),
    )[0];
    if (problem) throw new DefinitionError("invalid_schedule", culprit, problem.message);
  }

  /** @internal */
  toManifest(): ManifestSchedule {
    return {
      ...instigatorManifest(this),
      cron: this.cron,
      timezone: this.timezone,
      ...(this.partitionKey === undefined ? {} : { partitionKey: this.partitionKey }),
      tags: { ...this.tags },
      ...(this.timeoutMs === null ? {} : { function: { timeoutMs: this.timeoutMs } }),
    };
  }

  /**
   * Runs the function for one scheduled instant and puts its answer in the wire form. Nothing
   * returned is one request with every field null: the server launches the schedule's default
   * run for it. A function that throws, or returns something malformed, rejects.
   *
   * @internal
   */
  async evaluate(context: ScheduleContext): Promise<ScheduleTickResultInput> {
    const culprit = `schedule "${this.name}"`;
    if (this.fn === null) throw new DefinitionError("invalid_schedule", culprit, "has no function to evaluate");
    const result = await this.fn(context);
    if (result === undefined || result === null) return { runRequests: [{}] };
    if (typeof result !== "object")
      throw new DefinitionError("invalid_schedule", culprit, "must return a run request, an array of them, { skipReason } or nothing");
    if (!Array.isArray(result) && "skipReason" in result) {
      if (typeof result.skipReason !== "string") throw new DefinitionError("invalid_schedule", culprit, "skipReason must be a string");
      return { skipReason: result.skipReason };
    }
    const requests: readonly RunRequest[] = Array.isArray(result) ? result : [result as RunRequest];
    // A request without assets is the schedule's target (`null` on the wire, resolved by the server).
    return {
      runRequests: requests.map((request, i) =>
        wireRunRequest(request, this.targets, `${culprit} run request ${i}`, "the schedule a `target`", "invalid_schedule"),
      ),
    };
  }
}
