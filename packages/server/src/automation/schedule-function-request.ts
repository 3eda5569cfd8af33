import type { ManifestSchedule } from "@strata/protocol";
import type { Sql } from "../db/sql.js";
import type { AutomationLocation } from "./tick.js";

/**
 * A schedule function's due instant becomes a STARTED tick for the location to evaluate (inside
 * the schedule's tick transaction, which then moves its cursor past the instant: each instant is
 * handed out once). It fails unless answered within the function's `timeoutMs`.
 */
export async function requestScheduleTick(
  tx: Sql,
  location: AutomationLocation,
  schedule: ManifestSchedule & { function: { timeoutMs: number } },
  scheduledAt: Date,
  now: Date,
): Promise<string> {
  const [tick] = await tx.query<{ id: string }>(
    `INSERT INTO "AutomationTick" ("locationId", status, "startedAt", "runIds", "scheduleName", "scheduledAt", "deadlineAt")
     VALUES ($1, 'STARTED', $2, '{}', $3, $4, $5) RETURNING id::text`,
    [location.id, now, schedule.name, scheduledAt, new Date(now.getTime() + schedule.function.timeoutMs)],
  );
  return tick!.id;
}

/** Fails the schedule's STARTED ticks past their deadline, naming the timeout; returns them. */
export async function failOverdueScheduleTicks(
  tx: Sql,
  location: AutomationLocation,
  schedule: ManifestSchedule,
  now: Date,
): Promise<Array<{ tickId: string; error: string }>> {
  const overdue = await tx.query<{ id: string; claimedBy: string | null; scheduledAt: Date }>(
    `SELECT id::text, "claimedBy", "scheduledAt" FROM "AutomationTick"
     WHERE "locationId" = $1 AND "scheduleName" = $2 AND status = 'STARTED' AND "deadlineAt" <= $3 FOR UPDATE`,
    [location.id, schedule.name, now],
  );
  const failed: Array<{ tickId: string; error: string }> = [];
  for (const tick of overdue) {
    const timeout = schedule.function ? `${schedule.function.timeoutMs} ms (timeoutMs)` : "its timeout";
    const error =
      tick.claimedBy === null
        ? `schedule "${schedule.name}" timed out after ${timeout} evaluating ${tick.scheduledAt.toISOString()}: no worker of code location "${location.name}" took its tick`
        : `schedule "${schedule.name}" timed out after ${timeout} evaluating ${tick.scheduledAt.toISOString()} in worker ${tick.claimedBy}`;
    await tx.query(
      `UPDATE "AutomationTick" SET status = 'FAILURE', "endedAt" = $2, error = $3::jsonb WHERE id = $1::bigint AND status = 'STARTED'`,
      [tick.id, now, JSON.stringify({ name: "ScheduleTimeoutError", message: error })],
    );
    failed.push({ tickId: tick.id, error });
  }
  return failed;
}
