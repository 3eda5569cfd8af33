import {
  type ManifestSchedule,
  nextScheduledInstant,
  type PartitionsDefinition,
  partitionSpace,
  scheduledInstants,
} from "@strata/protocol";
import type { Sql } from "../db/sql.js";
import { launchRun, type NewRunStatus } from "../runs/launch.js";
import type { ManifestCache } from "../runs/manifest-cache.js";
import { failOverdueScheduleTicks, requestScheduleTick } from "./schedule-function-request.js";
import type { AutomationLocation } from "./tick.js";

/** Every run a schedule launches carries `strata/schedule=<name>` and `strata/scheduled_at=<ISO instant>`. */
export const SCHEDULE_TAG = "strata/schedule";
export const SCHEDULED_AT_TAG = "strata/scheduled_at";
/** Who `Run.createdBy` says launched a schedule's run. */
export const SCHEDULE_CREATOR = "schedule";
/**
 * At most this many missed instants are launched after downtime (STRATA_SCHEDULE_MAX_CATCHUP):
 * 1, the newest, as Dagster's schedules do with catch-up off. A nightly job down for a week
 * should run once, not seven times back to back; raise it where every instant matters.
 */
export const DEFAULT_SCHEDULE_MAX_CATCHUP = 1;

export type ScheduleRun = { id: string; status: NewRunStatus; location: string };

export interface ScheduleTickOutcome {
  schedule: string;
  /**
   * launched: due instants were handled (ticks below); started: first seen running, or started
   * again, its cursor set to now (no backlog); stopped; idle: nothing due.
   */
  kind: "launched" | "started" | "stopped" | "idle";
  /** STARTED: a schedule function's instant, handed to the location to evaluate. */
  ticks: Array<{ tickId: string; status: "SUCCESS" | "SKIPPED" | "STARTED"; scheduledAt: Date; runIds: string[] }>;
  runs: ScheduleRun[];
  /** A schedule function's ticks not answered in time, failed by this pass. */
  timedOut: Array<{ tickId: string; error: string }>;
}

/**
 * One schedule's due instants, in one transaction: each of the (at most `maxCatchup`) instants
 * in (cursor, now] launches one run of the target and stores a SUCCESS tick; older missed ones
 * are named by one SKIPPED tick; the cursor moves to the last instant. A schedule with a function
 * launches nothing here: each due instant becomes a STARTED tick its location evaluates
 * (schedule-function-tick.ts), and its ticks past their deadline fail. The state row is locked
 * first, so a second replica ticking at the same time waits and then finds nothing due: each
 * instant launches exactly once, and a crash leaves neither the runs nor the cursor.
 */
export async function tickSchedule(
  sql: Sql,
  manifests: ManifestCache,
  location: AutomationLocation,
  schedule: ManifestSchedule,
  options: { now: Date; maxCatchup: number },
): Promise<ScheduleTickOutcome> {
  return sql.transaction(async (tx) => {
    let timedOut: ScheduleTickOutcome["timedOut"] = [];
    const outcome = (kind: ScheduleTickOutcome["kind"]): ScheduleTickOutcome => ({
      schedule: schedule.name,
      kind,
      ticks: [],
      runs: [],
      timedOut,
    });
    await tx.query(`INSERT INTO "ScheduleState" ("locationId", name, "updatedAt") VALUES ($1, $2, now()) ON CONFLICT DO NOTHING`, [
      location.id,
      schedule.name,
    ]);
    const [state] = await tx.query<{ status: "RUNNING" | "STOPPED" | null; cursor: Date | null }>(
      `SELECT status, cursor FROM "ScheduleState" WHERE "locationId" = $1 AND name = $2 FOR UPDATE`,
      [location.id, schedule.name],
    );
    if (schedule.function) timedOut = await failOverdueScheduleTicks(tx, location, schedule, options.now);
    if ((state!.status ?? schedule.defaultStatus) === "STOPPED") return outcome("stopped");
    if (state!.cursor === null) {
      await setCursor(tx, location.id, schedule.name, options.now);
      return outcome("started");
    }
    const after = state!.cursor.getTime();
    // One more than launched, to tell whether older instants were missed.
    const due = scheduledInstants(schedule.cron, schedule.timezone, after, options.now.getTime(), options.maxCatchup + 1);
    if (due.length === 0) return outcome("idle");
    const result = outcome("launched");
    const launched = due.slice(-options.maxCatchup);
    if (due.length > launched.length) {
      const first = nextScheduledInstant(schedule.cron, schedule.timezone, after);
      const last = due[due.length - launched.length - 1]!;
      const reason = `missed while the server was down: ${first === last ? iso(first) : `${iso(first)} to ${iso(last)}`} (at most ${options.maxCatchup} missed instant${options.maxCatchup === 1 ? " is" : "s are"} launched, STRATA_SCHEDULE_MAX_CATCHUP)`;
      result.ticks.push(await skippedTick(tx, location, schedule, options.now, new Date(last), reason));
    }
    const partitions = await targetPartitions(tx, manifests, location, schedule);
    for (const instant of launched) {
      const scheduledAt = new Date(instant);
      if (schedule.function) {
        const tickId = await requestScheduleTick(tx, location, { ...schedule, function: schedule.function }, scheduledAt, options.now);
        result.ticks.push({ tickId, status: "STARTED", scheduledAt, runIds: [] });
        continue;
      }
      const partition = schedule.partitionKey ?? (partitions ? latestWindowAt(partitions, scheduledAt) : null);
      if (partitions && partition === null) {
        const reason = noEndedWindow(schedule, scheduledAt);
        result.ticks.push(await skippedTick(tx, location, schedule, options.now, scheduledAt, reason));
        continue;
      }
      const run = await launchRun(
        tx,
        manifests,
        {
          assetKeys: schedule.targets,
          tags: { ...schedule.tags, [SCHEDULE_TAG]: schedule.name, [SCHEDULED_AT_TAG]: scheduledAt.toISOString() },
          createdBy: SCHEDULE_CREATOR,
          ...(partition === null ? {} : { partition }),
        },
        null,
      );
      const [tick] = await tx.query<{ id: string }>(
        `INSERT INTO "AutomationTick" ("locationId", status, "startedAt", "endedAt", "runIds", requested, "scheduleName", "scheduledAt")
         VALUES ($1, 'SUCCESS', $2, now(), $3::text[], $4, $5, $6) RETURNING id::text`,
        [location.id, options.now, [run.id], schedule.targets.length, schedule.name, scheduledAt],
      );
      result.runs.push({ id: run.id, status: run.status, location: run.location });
      result.ticks.push({ tickId: tick!.id, status: "SUCCESS", scheduledAt, runIds: [run.id] });
    }
    await setCursor(tx, location.id, schedule.name, new Date(due[due.length - 1]!));
    return result;
  });
}

const iso = (t: number) => new Date(t).toISOString();

/** Stores a SKIPPED tick of the schedule for `scheduledAt`, saying why it launched nothing. */
async function skippedTick(
  tx: Sql,
  location: AutomationLocation,
  schedule: ManifestSchedule,
  now: Date,
  scheduledAt: Date,
  reason: string,
): Promise<ScheduleTickOutcome["ticks"][number]> {
  const [tick] = await tx.query<{ id: string }>(
    `INSERT INTO "AutomationTick" ("locationId", status, "startedAt", "endedAt", "runIds", "scheduleName", "scheduledAt", "skipReason")
     VALUES ($1, 'SKIPPED', $2, now(), '{}', $3, $4, $5) RETURNING id::text`,
    [location.id, now, schedule.name, scheduledAt, reason],
  );
  return { tickId: tick!.id, status: "SKIPPED", scheduledAt, runIds: [] };
}

/** The partitions definition the schedule's targets share (the manifest checked they share one); null: unpartitioned. */
async function targetPartitions(
  tx: Sql,
  manifests: ManifestCache,
  location: AutomationLocation,
  schedule: ManifestSchedule,
): Promise<PartitionsDefinition | null> {
  const manifest = await manifests.get(tx, location.versionId);
  const target = manifest.assets.find((a) => a.key === schedule.targets[0]);
  return (target?.partitions as PartitionsDefinition | null | undefined) ?? null;
}

/**
 * The partition the schedule's default run at `scheduledAt` materializes (null: unpartitioned),
 * or why there is none: its target is partitioned and no window had ended by then (a data
 * schedule skips such an instant with that reason).
 */
export async function defaultSchedulePartition(
  tx: Sql,
  manifests: ManifestCache,
  location: AutomationLocation,
  schedule: ManifestSchedule,
  scheduledAt: Date,
): Promise<{ partition: string | null; skipReason: string | null }> {
  if (schedule.partitionKey !== undefined) return { partition: schedule.partitionKey, skipReason: null };
  const partitions = await targetPartitions(tx, manifests, location, schedule);
  const partition = partitions ? latestWindowAt(partitions, scheduledAt) : null;
  return { partition, skipReason: partitions && partition === null ? noEndedWindow(schedule, scheduledAt) : null };
}

const noEndedWindow = (schedule: ManifestSchedule, scheduledAt: Date) =>
  `no partition of ${schedule.targets[0]} had ended at ${scheduledAt.toISOString()}`;

/**
 * The partition a run at `scheduledAt` materializes when the schedule names none: the latest time
 * window that has ended by then (Dagster's build_schedule_from_partitioned_job); null when none has.
 */
function latestWindowAt(def: PartitionsDefinition, scheduledAt: Date): string | null {
  if (def.kind !== "time_window") return null;
  const space = partitionSpace(def, { now: scheduledAt });
  return space.count > 0 ? space.keyAt(space.count - 1) : null;
}

async function setCursor(tx: Sql, locationId: string, name: string, cursor: Date): Promise<void> {
  await tx.query(`UPDATE "ScheduleState" SET cursor = $3, "updatedAt" = now() WHERE "locationId" = $1 AND name = $2`, [
    locationId,
    name,
    cursor,
  ]);
}
