import type { Sql } from "../db/sql.js";
import type { StrataPubSub } from "../pubsub/pubsub.js";
import { endRunOnServer } from "./end-run.js";
import type { RunConfig } from "./run-config.js";
import type { ServerMetrics } from "../metrics/server-metrics.js";

interface Stale {
  id: string;
  status: string;
  workerId: string | null;
  leaseExpiresAt: Date | null;
  location: string;
  backfillId: string | null;
}

/**
 * The run monitor: a run whose worker stopped heartbeating past its lease fails (a run being
 * canceled is canceled), and a run no worker claimed within the start timeout fails. Each gets
 * a terminal event in its log saying why. Returns what it ended.
 */
export async function failStaleRuns(sql: Sql, config: RunConfig, pubsub: StrataPubSub["pubsub"], metrics?: ServerMetrics) {
  const ended = await sql.transaction(async (tx) => {
    const stale = await tx.query<Stale>(
      `SELECT r.id, r.status, r."workerId", r."leaseExpiresAt", l.name AS location, r."backfillId" FROM "Run" r JOIN "CodeLocation" l ON l.id = r."locationId"
       WHERE (r.status IN ('STARTED', 'CANCELING') AND r."leaseExpiresAt" < now())
          OR (r.status = 'STARTING' AND r."startingAt" < now() - make_interval(secs => $1))
       ORDER BY r."createdAt" LIMIT 100 FOR UPDATE OF r SKIP LOCKED`,
      [config.startTimeoutSeconds],
    );
    const results = [];
    for (const run of stale) {
      const outcome =
        run.status === "STARTING"
          ? {
              status: "FAILURE" as const,
              code: "START_TIMEOUT" as const,
              reason: `No worker of code location "${run.location}" claimed the run within ${config.startTimeoutSeconds} s of its start`,
            }
          : run.status === "CANCELING"
            ? { status: "CANCELED" as const, reason: `Worker ${run.workerId} stopped heartbeating while the run was being canceled` }
            : {
                status: "FAILURE" as const,
                code: "WORKER_LOST" as const,
                reason: `Worker ${run.workerId} of code location "${run.location}" stopped heartbeating; its lease expired at ${run.leaseExpiresAt?.toISOString()}`,
              };
      const event = await endRunOnServer(tx, { id: run.id }, outcome);
      results.push({
        runId: run.id,
        status: outcome.status,
        reason: outcome.reason,
        event,
        backfillId: run.backfillId,
        location: run.location,
      });
    }
    return results;
  });
  for (const run of ended) {
    metrics?.runEndedOnServer(run.location, run.event, run.backfillId);
    pubsub.publish("runEvents", run.runId, { events: [run.event] });
    pubsub.publish("runStatusChanged", { runId: run.runId, status: run.status });
  }
  for (const backfillId of new Set(ended.flatMap((run) => (run.backfillId ? [run.backfillId] : []))))
    pubsub.publish("backfillChanged", { backfillId });
  return ended.map(({ runId, status, reason }) => ({ runId, status, reason }));
}
