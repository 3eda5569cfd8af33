import { type ManifestSchedule, type ScheduleTickResult, scheduleTickResultSchema } from "@strata/protocol";
import type { Sql } from "../db/sql.js";
import type { ManifestCache } from "../runs/manifest-cache.js";
import { defaultSchedulePartition, SCHEDULE_CREATOR, SCHEDULE_TAG, SCHEDULED_AT_TAG } from "./schedule-tick.js";
import { claimWorkerTicks, reportWorkerTick, type TickReportInput, type TickReportOutcome, type WorkerTickKind } from "./worker-tick.js";

/** A schedule function's tick handed to a worker: the instant its function evaluates. */
export interface ClaimedScheduleTick {
  tickId: string;
  schedule: string;
  scheduledAt: Date;
  deadlineAt: Date;
}

/** A schedule function's ticks are the schedule's ticks with a deadline (a data schedule's end where they start). */
const scheduleFunctionTicks: WorkerTickKind<ManifestSchedule, ScheduleTickResult> = {
  noun: "schedule tick",
  schema: scheduleTickResultSchema,
  nameColumn: `"scheduleName"`,
  tickCondition: `t."scheduleName" IS NOT NULL AND t."deadlineAt" IS NOT NULL`,
  runKeyTable: `"ScheduleRunKey"`,
  definitionIn: (manifest, name) => manifest.schedules?.find((s) => s.name === name && s.function),
  goneMessage: (name) => `schedule "${name}" is no longer defined with a function by the location`,
  async launchOf(request, { tx, manifests, tick, definition: schedule }) {
    const scheduledAt = tick.scheduledAt!;
    // A request for the schedule's own target runs the partition its default run would. At an
    // instant before a time-partitioned target's first window ended it is skipped (with the
    // reason a data schedule gives), its run key not spent.
    let partition = request.partitionKey;
    if (partition === null && request.assetKeys === null) {
      const location = { id: tick.locationId, name: tick.location, versionId: tick.versionId };
      const fallback = await defaultSchedulePartition(tx, manifests, location, schedule, scheduledAt);
      if (fallback.skipReason !== null) return { skipReason: fallback.skipReason };
      partition = fallback.partition;
    }
    return {
      assetKeys: request.assetKeys ?? schedule.targets,
      tags: { ...schedule.tags, ...request.tags, [SCHEDULE_TAG]: schedule.name, [SCHEDULED_AT_TAG]: scheduledAt.toISOString() },
      createdBy: SCHEDULE_CREATOR,
      ...(partition === null ? {} : { partition }),
    };
  },
  // A schedule's tick counts the assets it requested, as a data schedule's does.
  requestedBy: (launch) => launch.assetKeys.length,
  noRunReason: "the schedule function requested no run",
};

/** Takes the location's schedule-function ticks no worker has taken yet (each goes to exactly one worker). */
export function claimScheduleTicks(sql: Sql, location: string, workerId: string): Promise<ClaimedScheduleTick[]> {
  return claimWorkerTicks<ClaimedScheduleTick>(
    sql,
    scheduleFunctionTicks,
    location,
    workerId,
    `t.id::text AS "tickId", t."scheduleName" AS schedule, t."scheduledAt", t."deadlineAt"`,
  );
}

/**
 * A worker's answer to a schedule function's tick (see reportWorkerTick): each run launched is
 * tagged as the schedule's runs are; a request without assets or a partition runs the partition
 * the schedule's default run would.
 */
export function reportScheduleTick(sql: Sql, manifests: ManifestCache, input: TickReportInput): Promise<TickReportOutcome> {
  return reportWorkerTick(sql, manifests, scheduleFunctionTicks, input);
}
