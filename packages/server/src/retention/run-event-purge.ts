import type { Sql } from "../db/sql.js";

/**
 * The run events retention deletes from ended runs: the run's log and its transient states.
 *
 * Everything else stays, for two reasons:
 * - asset history: ASSET_MATERIALIZATION and ASSET_CHECK_EVALUATION (the Materialization and
 *   AssetCheckExecution tables hold the catalog's copy; the events keep the run's own record);
 * - re-execution: `planReexecution` reads the parent's RUN_START (its selection and reused
 *   outputs), the step outcomes (STEP_SUCCESS / FAILURE / CANCELED / SKIPPED), STEP_OUTPUT (what
 *   a new run may load instead of recomputing) and the asset events. The purged kinds change none
 *   of its answers: a step with no outcome counts as broken whether or not its STEP_START is there.
 *
 * So a purged run keeps its status, steps, failure, materializations and check results, its
 * lineage, and every re-execution strategy gives the same plan as before; what is gone is its
 * log (LOG), its retry history (STEP_UP_FOR_RETRY, STEP_RESTARTED), step start times as events
 * (RunStep keeps them) and its end event (the Run row keeps status, end time and failure).
 * Kinds added later are kept until they are listed here.
 */
export const PURGED_RUN_EVENT_TYPES = [
  "LOG",
  "STEP_START",
  "STEP_RESTARTED",
  "STEP_UP_FOR_RETRY",
  "RUN_SUCCESS",
  "RUN_FAILURE",
  "RUN_CANCELED",
] as const;

export interface RunEventPurgeOptions {
  /** Runs that ended before this lose their purged kinds of events. */
  cutoff: Date;
  /** Events each DELETE may cover (default 5,000): one statement stays well under a second. */
  batchRows?: number;
  /** Runs picked per round (default 1,000). */
  runsPerRound?: number;
  signal?: AbortSignal;
}

export interface RunEventPurgeReport {
  runs: number;
  deleted: number;
  statements: number;
  longestStatementMs: number;
}

interface Candidate {
  id: string;
  lastEventSeq: number;
}

/**
 * Deletes the purged kinds of events of runs that ended before `cutoff` and marks each run
 * `eventsPurgedAt`. Every DELETE covers at most `batchRows` sequence numbers of the
 * (runId, seq) primary index, each in its own short transaction, so no statement holds locks
 * long and a crash only leaves runs to be finished by the next pass (deleting is idempotent;
 * a run is marked once all its ranges are done).
 */
export async function purgeRunEvents(sql: Sql, options: RunEventPurgeOptions): Promise<RunEventPurgeReport> {
  const batchRows = options.batchRows ?? 5_000;
  const report: RunEventPurgeReport = { runs: 0, deleted: 0, statements: 0, longestStatementMs: 0 };
  const timed = async <T>(statement: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    const result = await statement();
    report.statements++;
    report.longestStatementMs = Math.max(report.longestStatementMs, performance.now() - started);
    return result;
  };
  while (!options.signal?.aborted) {
    const runs = await timed(() =>
      sql.query<Candidate>(
        `SELECT id, "lastEventSeq" FROM "Run" WHERE "eventsPurgedAt" IS NULL AND "endedAt" < $1 ORDER BY "endedAt", id LIMIT $2`,
        [options.cutoff, options.runsPerRound ?? 1_000],
      ),
    );
    if (runs.length === 0) break;
    for (const batch of seqBatches(runs, batchRows)) {
      if (options.signal?.aborted) return report;
      const [row] = await timed(() =>
        sql.query<{ deleted: number }>(
          `WITH gone AS (
             DELETE FROM "RunEvent" e USING unnest($1::text[], $2::int[], $3::int[]) AS r(run_id, lo, hi)
             WHERE e."runId" = r.run_id AND e.seq BETWEEN r.lo AND r.hi AND e.type = ANY($4::text[])
             RETURNING 1)
           SELECT count(*)::int AS deleted FROM gone`,
          [batch.map((b) => b.runId), batch.map((b) => b.lo), batch.map((b) => b.hi), PURGED_RUN_EVENT_TYPES],
        ),
      );
      report.deleted += row!.deleted;
    }
    await timed(() => sql.query(`UPDATE "Run" SET "eventsPurgedAt" = now() WHERE id = ANY($1::text[])`, [runs.map((r) => r.id)]));
    report.runs += runs.length;
  }
  return report;
}

/** Splits the runs' sequence ranges [1, lastEventSeq] into statements of at most `size` seqs. */
export function seqBatches(runs: readonly Candidate[], size: number): { runId: string; lo: number; hi: number }[][] {
  const batches: { runId: string; lo: number; hi: number }[][] = [];
  let current: { runId: string; lo: number; hi: number }[] = [];
  let room = size;
  for (const run of runs) {
    let lo = 1;
    while (lo <= run.lastEventSeq) {
      const hi = Math.min(run.lastEventSeq, lo + room - 1);
      current.push({ runId: run.id, lo, hi });
      room -= hi - lo + 1;
      lo = hi + 1;
      if (room === 0) {
        batches.push(current);
        current = [];
        room = size;
      }
    }
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** What {@link purgeRunEvents} would delete now: events by kind, and the runs they belong to. */
export async function previewRunEventPurge(sql: Sql, cutoff: Date): Promise<{ runs: number; events: Record<string, number> }> {
  const [runs] = await sql.query<{ count: number }>(
    `SELECT count(*)::int AS count FROM "Run" WHERE "eventsPurgedAt" IS NULL AND "endedAt" < $1`,
    [cutoff],
  );
  const rows = await sql.query<{ type: string; count: number }>(
    `SELECT e.type, count(*)::int AS count FROM "Run" r JOIN "RunEvent" e ON e."runId" = r.id
     WHERE r."eventsPurgedAt" IS NULL AND r."endedAt" < $1 AND e.type = ANY($2::text[])
     GROUP BY e.type ORDER BY e.type`,
    [cutoff, PURGED_RUN_EVENT_TYPES],
  );
  return { runs: runs!.count, events: Object.fromEntries(rows.map((r) => [r.type, r.count])) };
}
