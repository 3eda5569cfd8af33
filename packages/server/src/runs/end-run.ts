import type { RunFailureReason } from "@strata/protocol";
import { settleBackfillRun } from "../backfills/advance.js";
import { settleRunPartitions } from "../partitions/status.js";
import type { Sql } from "../db/sql.js";
import { appendServerEvent, type StoredRunEvent } from "./run-events.js";

/**
 * Ends a run from the server's side (the monitor, or a termination before any worker held it):
 * sets its final status and reason, resolves every unfinished step, and appends the matching
 * terminal event, so the run's log says why it ended. Call with the run's row locked.
 *
 * The event reads as the executor's own would: a failed run lists its interrupted steps as
 * failed and its never-started ones as skipped (and they are SKIPPED); a canceled run lists its
 * never-started steps, and every unfinished step is CANCELED. `durationMs` runs from the claim
 * (`startedAt`) to the end, 0 for a run no worker ever held.
 */
export async function endRunOnServer(
  tx: Sql,
  run: { id: string },
  outcome: { status: "FAILURE" | "CANCELED"; reason: string; code?: RunFailureReason },
): Promise<StoredRunEvent> {
  const [ended] = await tx.query<{ durationMs: number; backfillId: string | null; partitioned: boolean }>(
    `UPDATE "Run" SET status = $2::"RunStatus", "failureReason" = $3, "failureCode" = $4::"RunFailureCode", "endedAt" = now(),
            "leaseExpiresAt" = NULL, "updatedAt" = now() WHERE id = $1
     RETURNING COALESCE(round(extract(epoch FROM now() - "startedAt") * 1000), 0)::int AS "durationMs", "backfillId",
               ("partitionKey" IS NOT NULL OR "partitionRangeStart" IS NOT NULL) AS partitioned`,
    [
      run.id,
      outcome.status,
      outcome.status === "FAILURE" ? outcome.reason : null,
      outcome.status === "FAILURE" ? (outcome.code ?? "WORKER_LOST") : null,
    ],
  );
  const failing = outcome.status === "FAILURE";
  if (ended!.partitioned) await settleRunPartitions(tx, run.id, outcome.status);
  await settleBackfillRun(tx, { id: run.id, backfillId: ended!.backfillId }, outcome.status);
  // A step that was running when its worker vanished was interrupted: it failed (or, when the
  // run was being canceled, it was canceled). A step that never started was skipped/canceled.
  const steps = await tx.query<{ stepKey: string; started: boolean }>(
    `UPDATE "RunStep" s SET status = (CASE WHEN s.status = 'PENDING' AND $2 THEN 'SKIPPED' WHEN $2 THEN 'FAILURE' ELSE 'CANCELED' END)::"StepStatus",
            "endedAt" = now()
     FROM "RunStep" old
     WHERE s."runId" = $1 AND s.status IN ('PENDING', 'RUNNING', 'UP_FOR_RETRY') AND old."runId" = s."runId" AND old."stepKey" = s."stepKey"
     RETURNING s."stepKey", old.status <> 'PENDING' AS started`,
    [run.id, failing],
  );
  const keys = (started: boolean) =>
    steps
      .filter((s) => s.started === started)
      .map((s) => s.stepKey)
      .sort();
  const durationMs = ended!.durationMs;
  const error = { name: "RunMonitorError", message: outcome.reason, stack: null, cause: null };
  return failing
    ? appendServerEvent(tx, run.id, {
        type: "RUN_FAILURE",
        message: outcome.reason,
        payload: {
          durationMs,
          failedSteps: keys(true),
          skippedSteps: keys(false),
          error,
          reason: outcome.code ?? "WORKER_LOST",
          failedChecks: [],
        },
      })
    : appendServerEvent(tx, run.id, {
        type: "RUN_CANCELED",
        level: "INFO",
        message: outcome.reason,
        payload: { durationMs, notStartedSteps: keys(false) },
      });
}
