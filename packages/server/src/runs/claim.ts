import { isWorkerId, WORKER_ID_CHARACTERS } from "@strata/protocol";
import { prepared, type Sql } from "../db/sql.js";
import { InvalidArgumentError } from "../errors.js";
import type { StoredRunEvent } from "./run-events.js";
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
  /**
   * The run's RUN_START, seq 1, stored with the claim: the run's status and its event log never
   * disagree, and a watcher sees the run start as soon as a worker holds it, not a round trip later.
   */
  startEvent: StoredRunEvent;
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
 * An INSERT of the RUN_START (seq 1) of each run of `runs` (with the Run's columns, its
 * re-execution strategy as `strategy`): what the executor's own RUN_START carries (the plan's
 * steps and assets, the re-execution's parent, root, strategy and reused outputs). A claim stores
 * it, and a launch that hands its run to a waiting worker (launch.ts).
 */
export function runStartEvent(runs: string, strategy: string): string {
  return `INSERT INTO "RunEvent" ("runId", seq, type, level, message, payload, timestamp)
     SELECT c.id, 1, 'RUN_START', 'INFO', format('run %s started: %s step(s)', c.id, jsonb_array_length(COALESCE(c.plan->'stepKeys', '[]'))),
            jsonb_build_object('runId', c.id, 'stepKeys', COALESCE(c.plan->'stepKeys', '[]'), 'assetKeys', COALESCE(c.plan->'assetKeys', '[]'),
                               'parentRunId', c."parentRunId", 'rootRunId', COALESCE(c."rootRunId", c."parentRunId"),
                               'strategy', c.${strategy}, 'reusedOutputs', COALESCE(c.plan->'reusedOutputs', '[]')),
            now()
     FROM ${runs} c`;
}

/** The next STARTING run of location $1 claimed by worker $2 for a lease of $3 seconds, with its RUN_START stored. */
const CLAIM_RUN = prepared(
  `WITH claimed AS (
     UPDATE "Run" r SET status = 'STARTED', "workerId" = $2, "startedAt" = now(), "lastHeartbeatAt" = now(),
            "leaseExpiresAt" = now() + make_interval(secs => $3), "updatedAt" = now(), "lastEventSeq" = 1
     WHERE r.id = (SELECT q.id FROM "Run" q JOIN "CodeLocation" l ON l.id = q."locationId"
                   WHERE l.name = $1 AND q.status = 'STARTING'
                   ORDER BY q.priority DESC, q."startingAt", q.id LIMIT 1 FOR UPDATE OF q SKIP LOCKED)
     RETURNING r.id, r.plan, r."parentRunId", r."rootRunId", r."reexecutionStrategy" AS strategy, r.tags, r."leaseExpiresAt",
               r."partitionKey", r."partitionRangeStart", r."partitionRangeEnd", r.traceparent,
               extract(epoch FROM r."startedAt" - r."createdAt")::float8 AS "queuedSeconds"),
   start AS (${runStartEvent("claimed", "strategy")} RETURNING message, payload, timestamp)
   SELECT c.*, s.message AS "startMessage", s.payload AS "startPayload", s.timestamp AS "startTimestamp" FROM claimed c, start s`,
);

/**
 * A worker of `location` takes the next STARTING run of that location. `FOR UPDATE SKIP LOCKED`
 * lets any number of workers claim at once while each run goes to exactly one of them. The same
 * statement stores the run's RUN_START (seq 1), with the payload the executor gives it (the
 * plan's steps and assets, the re-execution's parent, root, strategy and reused outputs): a
 * STARTING run has no events yet, since every way out of STARTING but this one ends the run.
 * The worker's own RUN_START is then a resend the report ignores (see `ClaimedRun.lastEventSeq`).
 */
export async function claimRun(sql: Sql, input: { location: string; workerId: string; leaseSeconds: number }): Promise<ClaimedRun | null> {
  if (!isWorkerId(input.workerId)) throw new InvalidArgumentError("workerId", `use 1-200 of ${WORKER_ID_CHARACTERS}`);
  parseLeaseSeconds(input.leaseSeconds);
  const [row] = await sql.query<ClaimedRow>(CLAIM_RUN, [input.location, input.workerId, input.leaseSeconds]);
  return row ? claimedRun(row) : null;
}

/** A claimed run as CLAIM_RUN answers it, its RUN_START beside it. @internal */
export type ClaimedRow = Omit<ClaimedRun, "plan" | "startEvent"> & {
  plan: unknown;
  startMessage: string;
  startPayload: unknown;
  startTimestamp: Date | string;
};

/** The ClaimedRun of a claim's row (or a handed-off launch's). @internal */
export function claimedRun(row: ClaimedRow): ClaimedRun {
  const { startMessage, startPayload, startTimestamp, ...run } = row;
  const startEvent: StoredRunEvent = {
    runId: run.id,
    seq: 1,
    type: "RUN_START",
    stepKey: null,
    assetKey: null,
    level: "INFO",
    message: startMessage,
    payload: startPayload,
    timestamp: new Date(startTimestamp).toISOString(),
  };
  return { ...run, plan: readPlan(run.plan), startEvent };
}
