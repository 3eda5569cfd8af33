import { isWorkerId, WORKER_ID_CHARACTERS } from "@strata/protocol";
import type { Sql } from "../db/sql.js";
import { InvalidArgumentError } from "../errors.js";
import { readPlan, type RunPlan } from "./run-plan.js";

export interface ClaimedRun {
  id: string;
  plan: RunPlan;
  parentRunId: string | null;
  rootRunId: string | null;
  strategy: string | null;
  tags: Record<string, string>;
  leaseExpiresAt: Date;
  partitionKey: string | null;
  partitionRangeStart: string | null;
  partitionRangeEnd: string | null;
  /** From the launch to this claim (strata_run_launch_to_start_seconds). */
  queuedSeconds: number;
  /** The launching request's trace context (tracing on at launch), for the run's trace to link to. */
  traceparent: string | null;
}

export const MAX_LEASE_SECONDS = 3600;

/** The one bound on a lease, for claims, heartbeats and reports alike. */
export function parseLeaseSeconds(value: number): number {
  if (!(Number.isInteger(value) && value >= 1 && value <= MAX_LEASE_SECONDS)) {
    throw new InvalidArgumentError("leaseSeconds", `must be from 1 to ${MAX_LEASE_SECONDS}`);
  }
  return value;
}

/**
 * A worker of `location` takes the next STARTING run of that location. `FOR UPDATE SKIP LOCKED`
 * lets any number of workers claim at once while each run goes to exactly one of them.
 */
export async function claimRun(sql: Sql, input: { location: string; workerId: string; leaseSeconds: number }): Promise<ClaimedRun | null> {
  if (!isWorkerId(input.workerId)) throw new InvalidArgumentError("workerId", `use 1-200 of ${WORKER_ID_CHARACTERS}`);
  parseLeaseSeconds(input.leaseSeconds);
  const [row] = await sql.query<Omit<ClaimedRun, "plan"> & { plan: unknown }>(
    `UPDATE "Run" r SET status = 'STARTED', "workerId" = $2, "startedAt" = now(), "lastHeartbeatAt" = now(),
            "leaseExpiresAt" = now() + make_interval(secs => $3), "updatedAt" = now()
     WHERE r.id = (SELECT q.id FROM "Run" q JOIN "CodeLocation" l ON l.id = q."locationId"
                   WHERE l.name = $1 AND q.status = 'STARTING'
                   ORDER BY q.priority DESC, q."startingAt", q.id LIMIT 1 FOR UPDATE OF q SKIP LOCKED)
     RETURNING r.id, r.plan, r."parentRunId", r."rootRunId", r."reexecutionStrategy" AS strategy, r.tags, r."leaseExpiresAt",
               r."partitionKey", r."partitionRangeStart", r."partitionRangeEnd", r.traceparent, extract(epoch FROM r."startedAt" - r."createdAt")::float8 AS "queuedSeconds"`,
    [input.location, input.workerId, input.leaseSeconds],
  );
  return row ? { ...row, plan: readPlan(row.plan) } : null;
}
