import type { Sql } from "../db/sql.js";
import { NotFoundError, RunStatusError } from "../errors.js";
import type { StrataPubSub } from "../pubsub/pubsub.js";
import { endRunOnServer } from "./end-run.js";
import type { ServerMetrics } from "../metrics/server-metrics.js";

/**
 * Terminates a run. Not yet held by a worker (QUEUED, STARTING): CANCELED at once. Held
 * (STARTED): CANCELING, and its worker is told to abort; the run becomes CANCELED when the worker
 * reports RUN_CANCELED (or the monitor cancels it if the worker vanished). Already CANCELING:
 * nothing more to do. Finished: a RunStatusError naming the status.
 */
export async function terminateRun(
  sql: Sql,
  pubsub: StrataPubSub["pubsub"],
  runId: string,
  by: string,
  metrics?: ServerMetrics,
): Promise<string> {
  const outcome = await sql.transaction(async (tx) => {
    const [run] = await tx.query<{ status: string; location: string; backfillId: string | null }>(
      `SELECT r.status, l.name AS location, r."backfillId" FROM "Run" r JOIN "CodeLocation" l ON l.id = r."locationId" WHERE r.id = $1 FOR UPDATE OF r`,
      [runId],
    );
    if (!run) throw new NotFoundError("run", runId);
    switch (run.status) {
      case "QUEUED":
      case "STARTING": {
        const event = await endRunOnServer(tx, { id: runId }, { status: "CANCELED", reason: `Canceled by ${by} before it started` });
        return { status: "CANCELED", location: run.location, event, backfillId: run.backfillId };
      }
      case "STARTED":
        await tx.query(`UPDATE "Run" SET status = 'CANCELING', "updatedAt" = now() WHERE id = $1`, [runId]);
        return { status: "CANCELING", location: run.location, event: null };
      case "CANCELING":
        return { status: "CANCELING", location: run.location, event: null, unchanged: true };
      default:
        throw new RunStatusError(
          { runId, status: run.status },
          `Run ${runId} has already ended (${run.status}); there is nothing to terminate`,
        );
    }
  });
  if (outcome.event) metrics?.runEndedOnServer(outcome.location, outcome.event, "backfillId" in outcome ? outcome.backfillId : null);
  if (outcome.event) pubsub.publish("runEvents", runId, { events: [outcome.event] });
  if (!("unchanged" in outcome)) pubsub.publish("runStatusChanged", { runId, status: outcome.status });
  if ("backfillId" in outcome && outcome.backfillId) pubsub.publish("backfillChanged", { backfillId: outcome.backfillId });
  if (outcome.status === "CANCELING") pubsub.publish("runRequests", outcome.location, { kind: "CANCEL_REQUESTED", runId });
  return outcome.status;
}
