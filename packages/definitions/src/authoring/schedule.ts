import { isTagKey, type ManifestSchedule, scheduleProblems, TAG_KEY_CHARACTERS } from "@strata/protocol";
import { assetKeyToString, type AssetKeyInput, checkName, parseAssetKey } from "./asset-key.js";
import { AssetsDefinition } from "./assets-definition.js";
import { DefinitionError } from "./definition-error.js";

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

/**
 * A schedule as data: at every instant its cron names in its time zone, the server launches one
 * run of the target, tagged `strata/schedule=<name>` and `strata/scheduled_at=<ISO instant>`
 * (of `partitionKey`, or of the latest time window ended then, for partitioned targets).
 * DST as Dagster has it: a wall time that does not exist fires when the gap ends, one that
 * occurs twice fires once. List it in `new Definitions({ assets, schedules })`.
 *
 * @example
 * ```ts
 * const nightly = schedule({ name: "nightly", cron: "0 2 * * *", timezone: "America/New_York", target: [orders, "sales/summary"] });
 * export default new Definitions({ assets: [orders, summary], schedules: [nightly] });
 * ```
 */
export function schedule(options: ScheduleOptions): ScheduleDefinition {
  return new ScheduleDefinition(options);
}

/** A schedule, made by {@link schedule}. */
export class ScheduleDefinition {
  readonly name: string;
  readonly cron: string;
  readonly timezone: string;
  /** Slash-joined asset keys, sorted. */
  readonly targets: readonly string[];
  readonly partitionKey: string | undefined;
  readonly tags: Readonly<Record<string, string>>;
  readonly description: string | null;
  readonly defaultStatus: "RUNNING" | "STOPPED";

  constructor(options: ScheduleOptions) {
    if (!options || typeof options !== "object") throw new DefinitionError("invalid_option", "schedule", "options are required");
    this.name = checkName(options.name, "schedule name", "schedule");
    const culprit = `schedule "${this.name}"`;
    if (typeof options.cron !== "string") throw new DefinitionError("invalid_schedule", culprit, "cron must be a string");
    this.cron = options.cron.trim();
    this.timezone = options.timezone ?? "UTC";
    if (!Array.isArray(options.target) || options.target.length === 0)
      throw new DefinitionError("invalid_schedule", culprit, "target must list at least one asset or asset key");
    const keys = options.target.flatMap((t: AssetsDefinition | AssetKeyInput) =>
      t instanceof AssetsDefinition ? t.keys : [assetKeyToString(parseAssetKey(t, culprit))],
    );
    this.targets = [...new Set(keys)].sort();
    if (options.partitionKey !== undefined && (typeof options.partitionKey !== "string" || options.partitionKey.length === 0))
      throw new DefinitionError("invalid_schedule", culprit, "partitionKey must be a non-empty string");
    this.partitionKey = options.partitionKey;
    const tags: Record<string, string> = {};
    for (const [key, value] of Object.entries(options.tags ?? {})) {
      if (!isTagKey(key) || typeof value !== "string")
        throw new DefinitionError(
          "invalid_tag",
          culprit,
          `tag ${JSON.stringify(key)} needs a key of 1-255 ${TAG_KEY_CHARACTERS} and a string value`,
        );
      tags[key] = value;
    }
    this.tags = tags;
    this.description = options.description ?? null;
    const status = options.defaultStatus ?? "RUNNING";
    if (status !== "RUNNING" && status !== "STOPPED")
      throw new DefinitionError("invalid_schedule", culprit, `defaultStatus must be "RUNNING" or "STOPPED", not ${JSON.stringify(status)}`);
    this.defaultStatus = status;
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
      name: this.name,
      cron: this.cron,
      timezone: this.timezone,
      targets: [...this.targets],
      ...(this.partitionKey === undefined ? {} : { partitionKey: this.partitionKey }),
      tags: { ...this.tags },
      description: this.description,
      defaultStatus: this.defaultStatus,
    };
  }
}
