import type { Sql } from "../db/sql.js";
import { loadSpace } from "../partitions/space.js";
import { COORDINATOR_LOCK } from "../runs/queue.js";
import { chunkRuns, insertChunkRuns, type LaunchableChunk, type StoredBackfill } from "./chunk-runs.js";

/** A run admitted (STARTING) in the transaction: announce it to its location once it commits. */
export interface AdmittedRun {
  id: string;
  location: string;
}

/** What a run's end did to its backfill. */
export interface SettledBackfillRun {
  backfillId: string;
  /** The chained runs admitted in the same transaction (see `settleBackfillRun`'s `admitUpTo`). */
  admitted: AdmittedRun[];
}

const CHUNK_STATE = { SUCCESS: "SUCCEEDED", FAILURE: "FAILED", CANCELED: "CANCELED" } as const;

/**
 * A run ended: when it is a backfill's, in the same transaction, its chunk takes the run's
 * outcome; after a success the waiting chunks whose dependencies have all succeeded are READY;
 * after a failure or a cancellation the chunks waiting on it, and on them, are SKIPPED; READY
 * chunks get runs up to the backfill's `runsAhead` (QUEUED: the caller kicks the coordinator
 * after the commit, as it does for any run end); and when no chunk is waiting, ready or
 * launched the backfill ends. The backfill's row lock serialises the ends
 * of its runs, so two dependencies ending at once cannot both miss the other's success. Returns
 * the backfill's id, or null for a run of no backfill.
 *
 * With `admitUpTo` (the global limit, 0 for none; null when tag limits apply and only the
 * coordinator can weigh them) the runs created here are also admitted here, as `launchRun`
 * admits a run, when nothing else is queued and there is room: STARTING at the commit, so a
 * chain (a self-dependent asset's days) costs one run latency per link and no coordinator pass.
 * The caller announces `admitted` after the commit; otherwise they wait QUEUED for the
 * coordinator, which the caller kicks after the commit.
 */
export async function settleBackfillRun(
  tx: Sql,
  run: { id: string; backfillId: string | null },
  status: "SUCCESS" | "FAILURE" | "CANCELED",
  admitUpTo: number | null = null,
): Promise<SettledBackfillRun | null> {
  // Most runs belong to no backfill: the caller's row says so, without a query.
  if (run.backfillId === null) return null;
  const runId = run.id;
  const [backfill] = await tx.query<StoredBackfill & { runsAhead: number }>(
    `SELECT id, status, "locationId", "versionId", tags, "createdBy", target, plans, "runsAhead" FROM "Backfill" WHERE id = $1 FOR UPDATE`,
    [run.backfillId],
  );
  if (!backfill) return null;
  let admitted: AdmittedRun[] = [];
  const [chunk] = await tx.query<{ idx: number }>(
    // By runId alone (each run is one chunk's): with the backfill's id too, the planner may
    // prefer the (backfillId, state) index and read every launched chunk of a large backfill.
    `UPDATE "BackfillChunk" SET state = $2::"BackfillChunkState" WHERE "runId" = $1 AND state = 'LAUNCHED' RETURNING idx`,
    [runId, CHUNK_STATE[status]],
  );
  if (!chunk) return { backfillId: backfill.id, admitted };
  if (status !== "SUCCESS") await skipDependents(tx, backfill.id, [chunk.idx]);
  else if (backfill.status === "REQUESTED") await readyDependents(tx, backfill.id, chunk.idx);
  if (backfill.status === "REQUESTED") {
    const created = await launchReady(tx, backfill);
    if (created.length && admitUpTo !== null) admitted = await admitCreated(tx, created, admitUpTo);
  }
  await finishIfDone(tx, backfill);
  return { backfillId: backfill.id, admitted };
}

/**
 * `launchRun`'s admission rule for the runs just created: all STARTING when no other run is
 * queued (none would be passed) and the limit leaves room for them all, else all stay QUEUED.
 * Under the coordinator's lock, as every admission; only if it is free at once: this
 * transaction already holds rows (the run, its partitions) that a launch holding the lock may be
 * waiting for, so waiting here could deadlock. When it is taken the runs stay QUEUED, and the
 * coordinator pass after the commit admits them.
 */
async function admitCreated(tx: Sql, runIds: readonly string[], admitUpTo: number): Promise<AdmittedRun[]> {
  const [lock] = await tx.query<{ locked: boolean }>(`SELECT pg_try_advisory_xact_lock(${COORDINATOR_LOCK}) AS locked`);
  if (!lock?.locked) return [];
  return tx.query<AdmittedRun>(
    `UPDATE "Run" u SET status = 'STARTING', "startingAt" = now(), "updatedAt" = now()
     WHERE u.id = ANY($1::text[]) AND u.status = 'QUEUED'
       AND NOT EXISTS (SELECT 1 FROM "Run" q WHERE q.status = 'QUEUED' AND NOT (q.id = ANY($1::text[])))
       AND ($2::int = 0 OR (SELECT count(*) FROM "Run" WHERE status IN ('STARTING', 'STARTED', 'CANCELING')) + cardinality($1::text[]) <= $2::int)
     RETURNING u.id, (SELECT l.name FROM "CodeLocation" l WHERE l.id = u."locationId") AS location`,
    [runIds, admitUpTo],
  );
}

/**
 * The waiting chunks that depend on `idx` and now have every dependency succeeded: READY.
 */
async function readyDependents(tx: Sql, backfillId: string, idx: number): Promise<void> {
  await tx.query(
    `UPDATE "BackfillChunk" c SET state = 'READY'
     WHERE c."backfillId" = $1 AND c.state = 'WAITING'
       AND c.idx = ANY((SELECT e.dependents FROM "BackfillChunk" e WHERE e."backfillId" = $1 AND e.idx = $2)::int[])
       AND NOT EXISTS (SELECT 1 FROM "BackfillChunk" d WHERE d."backfillId" = c."backfillId" AND d.idx = ANY(c."dependsOn") AND d.state <> 'SUCCEEDED')`,
    [backfillId, idx],
  );
}

/**
 * READY chunks get their runs (QUEUED), in chunk order, until `runsAhead` of the backfill's
 * chunks have one; returns the new runs' ids. A run's end frees one place, so in the steady
 * state each end creates one run: two index probes and the run's own rows.
 */
async function launchReady(tx: Sql, backfill: StoredBackfill & { runsAhead: number }): Promise<string[]> {
  const ready = await tx.query<LaunchableChunk>(
    `SELECT c.idx, c."assetKeys", c."startIndex", c."endIndex", c."startKey", c."endKey" FROM "BackfillChunk" c
     WHERE c."backfillId" = $1 AND c.state = 'READY' ORDER BY c.idx
     LIMIT GREATEST(0, $2::int - (SELECT count(*) FROM "BackfillChunk" l WHERE l."backfillId" = $1 AND l.state = 'LAUNCHED'))`,
    [backfill.id, backfill.runsAhead],
  );
  if (!ready.length) return [];
  const space = await loadSpace(tx, backfill.target.partitions);
  // A dynamic key deleted since the launch shifts the others: such a chunk is skipped, not run
  // over partitions it did not plan.
  const valid = ready.filter((c) => space.indexOf(c.startKey) === c.startIndex && space.indexOf(c.endKey) === c.endIndex);
  const gone = ready.filter((c) => !valid.includes(c)).map((c) => c.idx);
  if (gone.length) {
    await tx.query(`UPDATE "BackfillChunk" SET state = 'SKIPPED' WHERE "backfillId" = $1 AND idx = ANY($2::int[])`, [backfill.id, gone]);
    await skipDependents(tx, backfill.id, gone);
  }
  const runs = chunkRuns(backfill, space, valid);
  await insertChunkRuns(tx, backfill, runs);
  await tx.query(
    `UPDATE "BackfillChunk" c SET state = 'LAUNCHED', "runId" = u.run FROM unnest($2::int[], $3::text[]) AS u(idx, run)
     WHERE c."backfillId" = $1 AND c.idx = u.idx`,
    [backfill.id, valid.map((c) => c.idx), runs.map((r) => r.id)],
  );
  return runs.map((r) => r.id);
}

/**
 * Every waiting chunk that depends, directly or through others, on `from`: SKIPPED. The walk
 * follows the reverse edges (`dependents`) by primary key, through waiting chunks only.
 */
export async function skipDependents(tx: Sql, backfillId: string, from: readonly number[]): Promise<void> {
  await tx.query(
    `WITH RECURSIVE reached(idx) AS (
       SELECT unnest(c.dependents) FROM "BackfillChunk" c WHERE c."backfillId" = $1 AND c.idx = ANY($2::int[])
       UNION
       SELECT unnest(c.dependents) FROM "BackfillChunk" c JOIN reached r ON c.idx = r.idx WHERE c."backfillId" = $1 AND c.state = 'WAITING')
     UPDATE "BackfillChunk" SET state = 'SKIPPED' WHERE "backfillId" = $1 AND idx IN (SELECT idx FROM reached) AND state = 'WAITING'`,
    [backfillId, from],
  );
}

/**
 * With no chunk waiting or launched, the backfill ends: CANCELED when it was being canceled,
 * COMPLETED_FAILED when a chunk failed, was skipped or canceled, else COMPLETED_SUCCESS. Both
 * checks are index probes on (backfillId, state), whatever the number of chunks.
 */
export async function finishIfDone(tx: Sql, backfill: { id: string; status: string }): Promise<void> {
  await tx.query(
    `UPDATE "Backfill" SET "endedAt" = now(), status = (CASE WHEN status = 'CANCELING' THEN 'CANCELED'
         WHEN EXISTS (SELECT 1 FROM "BackfillChunk" WHERE "backfillId" = $1 AND state IN ('FAILED', 'SKIPPED', 'CANCELED')) THEN 'COMPLETED_FAILED'
         ELSE 'COMPLETED_SUCCESS' END)::"BackfillStatus"
     WHERE id = $1 AND status IN ('REQUESTED', 'CANCELING')
       AND NOT EXISTS (SELECT 1 FROM "BackfillChunk" WHERE "backfillId" = $1 AND state IN ('WAITING', 'READY', 'LAUNCHED'))`,
    [backfill.id],
  );
}
