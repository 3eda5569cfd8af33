/**
 * Retention beyond run logs: old automation ticks, and old runs that recorded nothing. Both in
 * short statements of at most `batchRows` rows, each its own transaction, as the event purge.
 */
import type { Sql } from "../db/sql.js";
import { seqBatches } from "./run-event-purge.js";

export interface PurgeTiming {
  statements: number;
  longestStatementMs: number;
}

/** Runs a statement, counting it and its duration into `timing`. */
export async function timedStatement<T>(timing: PurgeTiming, statement: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await statement();
  timing.statements++;
  timing.longestStatementMs = Math.max(timing.longestStatementMs, performance.now() - started);
  return result;
}

/**
 * Deletes automation ticks with one of `statuses` that started before `cutoff`, with their
 * evaluations, except a tick holding an asset's latest evaluation: evaluations are written only
 * when an asset's result changes, so that row still answers "why (not)" for a quiet asset.
 * Returns how many ticks went.
 */
export async function purgeAutomationTicks(
  sql: Sql,
  options: { statuses: readonly string[]; cutoff: Date; batchRows: number; timing: PurgeTiming; signal?: AbortSignal },
): Promise<number> {
  let deleted = 0;
  let after = "0";
  while (!options.signal?.aborted) {
    const rows = await timedStatement(options.timing, () =>
      sql.query<{ id: string; gone: boolean }>(
        `WITH picked AS (
           SELECT t.id FROM "AutomationTick" t
           WHERE t.id > $4::bigint AND t.status::text = ANY($1::text[]) AND t."startedAt" < $2
           ORDER BY t.id LIMIT $3),
         kept AS (
           SELECT DISTINCT e."tickId" AS id FROM "AutomationEvaluation" e JOIN picked p ON p.id = e."tickId"
           WHERE e.id = (SELECT max(l.id) FROM "AutomationEvaluation" l WHERE l."assetKey" = e."assetKey")),
         gone AS (DELETE FROM "AutomationTick" t USING picked p WHERE t.id = p.id AND p.id NOT IN (SELECT id FROM kept) RETURNING t.id)
         SELECT p.id::text, p.id IN (SELECT id FROM gone) AS gone FROM picked p ORDER BY p.id`,
        [options.statuses, options.cutoff, options.batchRows, after],
      ),
    );
    deleted += rows.filter((r) => r.gone).length;
    if (rows.length < options.batchRows) break;
    after = rows.at(-1)!.id;
  }
  return deleted;
}

/**
 * What makes a run worth keeping whatever its age: a materialization or a check result it
 * recorded, a re-execution of it, a backfill it belongs to, or a partition whose status names it.
 */
const RECORDED = `EXISTS (SELECT 1 FROM "Materialization" m WHERE m."runId" = r.id)
  OR EXISTS (SELECT 1 FROM "AssetCheckExecution" c WHERE c."runId" = r.id)
  OR EXISTS (SELECT 1 FROM "Run" child WHERE child."parentRunId" = r.id OR child."rootRunId" = r.id)
  OR r."backfillId" IS NOT NULL OR EXISTS (SELECT 1 FROM "BackfillChunk" b WHERE b."runId" = r.id)
  OR EXISTS (SELECT 1 FROM "AssetPartition" ap WHERE ap."lastRunId" = r.id)`;

/**
 * Deletes runs that ended before `cutoff` and recorded nothing (see RECORDED): a run canceled
 * before it started, or one that failed before producing anything. Their events go first in
 * sequence ranges of at most `batchRows` (a run with a long log never makes one long DELETE),
 * then the runs with their steps (and any events left). Returns how many runs went.
 */
export async function purgeEmptyRuns(
  sql: Sql,
  options: { cutoff: Date; batchRows: number; timing: PurgeTiming; runsPerRound?: number; signal?: AbortSignal },
): Promise<number> {
  let deleted = 0;
  // Walked by creation time (indexed; a run ended before the cutoff was created before it).
  let after: { createdAt: Date; id: string } | null = null;
  const perRound = options.runsPerRound ?? 1_000;
  while (!options.signal?.aborted) {
    const round: Array<{ id: string; lastEventSeq: number; createdAt: Date; empty: boolean }> = await timedStatement(options.timing, () =>
      sql.query(
        `SELECT r.id, r."lastEventSeq", r."createdAt", r."endedAt" < $1 AND NOT (${RECORDED}) AS empty FROM "Run" r
         WHERE r."createdAt" < $1 AND ($2::timestamp IS NULL OR (r."createdAt", r.id) > ($2::timestamp, $3::text))
         ORDER BY r."createdAt", r.id LIMIT $4`,
        [options.cutoff, after?.createdAt ?? null, after?.id ?? "", perRound],
      ),
    );
    if (round.length === 0) break;
    after = { createdAt: round.at(-1)!.createdAt, id: round.at(-1)!.id };
    const empty = round.filter((r) => r.empty);
    for (const batch of seqBatches(empty, options.batchRows)) {
      if (options.signal?.aborted) return deleted;
      await timedStatement(options.timing, () =>
        sql.query(
          `DELETE FROM "RunEvent" e USING unnest($1::text[], $2::int[], $3::int[]) AS r(run_id, lo, hi)
           WHERE e."runId" = r.run_id AND e.seq BETWEEN r.lo AND r.hi`,
          [batch.map((b) => b.runId), batch.map((b) => b.lo), batch.map((b) => b.hi)],
        ),
      );
    }
    if (empty.length) {
      // Checked again as it deletes: a re-execution launched meanwhile keeps its parent.
      const [{ n }] = (await timedStatement(options.timing, () =>
        sql.query<{ n: number }>(
          // Events and steps are no foreign key's cascade (prisma/schema.prisma): any left go with their run.
          `WITH gone AS (DELETE FROM "Run" r WHERE r.id = ANY($1::text[]) AND r."endedAt" IS NOT NULL AND NOT (${RECORDED}) RETURNING r.id),
                events AS (DELETE FROM "RunEvent" e USING gone WHERE e."runId" = gone.id),
                steps AS (DELETE FROM "RunStep" s USING gone WHERE s."runId" = gone.id)
           SELECT count(*)::int AS n FROM gone`,
          [empty.map((r) => r.id)],
        ),
      )) as [{ n: number }];
      deleted += n;
    }
    if (round.length < perRound) break;
  }
  return deleted;
}

/** What {@link purgeAutomationTicks} would delete now (counted, nothing deleted). */
export async function previewAutomationTickPurge(sql: Sql, statuses: readonly string[], cutoff: Date): Promise<number> {
  const [row] = await sql.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM "AutomationTick" t
     WHERE t.status::text = ANY($1::text[]) AND t."startedAt" < $2
       AND NOT EXISTS (SELECT 1 FROM "AutomationEvaluation" e WHERE e."tickId" = t.id
                       AND e.id = (SELECT max(l.id) FROM "AutomationEvaluation" l WHERE l."assetKey" = e."assetKey"))`,
    [statuses, cutoff],
  );
  return row!.n;
}

/** What {@link purgeEmptyRuns} would delete now (counted, nothing deleted). */
export async function previewEmptyRunPurge(sql: Sql, cutoff: Date): Promise<number> {
  const [row] = await sql.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM "Run" r WHERE r."createdAt" < $1 AND r."endedAt" < $1 AND NOT (${RECORDED})`,
    [cutoff],
  );
  return row!.n;
}
