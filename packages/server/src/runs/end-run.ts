import type { Sql } from "../db/sql.js";
import { appendServerEvent, type StoredRunEvent } from "./run-events.js";

/**
 * Ends a run from the server's side (the monitor, or a termination before any worker held it):
 * sets its final status and reason, closes its unfinished steps, and appends the matching
 * terminal event, so the run's log says why it ended. Call with the run's row locked.
 */
export async function endRunOnServer(
  tx: Sql,
  run: { id: string; stepKeys: string[] },
  outcome: { status: "FAILURE" | "CANCELED"; reason: string },
): Promise<StoredRunEvent> {
  await tx.query(
    `UPDATE "Run" SET status = $2::"RunStatus", "failureReason" = $3, "endedAt" = now(), "leaseExpiresAt" = NULL, "updatedAt" = now() WHERE id = $1`,
    [run.id, outcome.status, outcome.status === "FAILURE" ? outcome.reason : null],
  );
  // A step that was running when its worker vanished is interrupted: it failed.
  const interrupted = await tx.query<{ stepKey: string }>(
    `UPDATE "RunStep" SET status = $2::"StepStatus", "endedAt" = now()
     WHERE "runId" = $1 AND status IN ('RUNNING', 'UP_FOR_RETRY') RETURNING "stepKey"`,
    [run.id, outcome.status === "FAILURE" ? "FAILURE" : "CANCELED"],
  );
  const notStarted = await tx.query<{ stepKey: string }>(
    `SELECT "stepKey" FROM "RunStep" WHERE "runId" = $1 AND status = 'PENDING' ORDER BY "stepKey"`,
    [run.id],
  );
  const error = { name: "RunMonitorError", message: outcome.reason, stack: null, cause: null };
  return outcome.status === "FAILURE"
    ? appendServerEvent(tx, run.id, {
        type: "RUN_FAILURE",
        message: outcome.reason,
        payload: { durationMs: 0, failedSteps: interrupted.map((s) => s.stepKey), skippedSteps: [], error },
      })
    : appendServerEvent(tx, run.id, {
        type: "RUN_CANCELED",
        level: "INFO",
        message: outcome.reason,
        payload: { durationMs: 0, notStartedSteps: notStarted.map((s) => s.stepKey) },
      });
}
