import { prepared, type Sql } from "../db/sql.js";
import type { RunConfig } from "./run-config.js";

/**
 * Serialises coordinators of all replicas, and launches admitted at once (strata_launch_status
 * takes it too): any constant distinct from Prisma's lock.
 */
export const COORDINATOR_LOCK = 5_337_001;

/**
 * Takes the coordinator's lock for this transaction. The coordinator's transactions need not
 * wait for their commit to reach the disk: STARTING is only a hint to workers. Should the
 * database crash before the WAL is flushed, the run is QUEUED again and simply starts again; and
 * a worker's claim, which is committed synchronously, flushes this transaction's WAL before it.
 */
export async function lockQueue(tx: Sql): Promise<void> {
  await tx.exec(`SET LOCAL synchronous_commit = off; SELECT pg_advisory_xact_lock(${COORDINATOR_LOCK});`);
}

/** Whether a run is QUEUED: one probe of the Run(status, priority, createdAt) index. */
const ANY_QUEUED = prepared(`SELECT EXISTS (SELECT 1 FROM "Run" WHERE status = 'QUEUED') AS queued`);

interface ActiveRun {
  id: string;
  tags: Record<string, string>;
}

/**
 * Moves queued runs to STARTING, highest `strata/priority` first and FIFO among equals, while
 * the global limit and every tag limit allow. A run blocked by a tag limit does not hold back
 * the runs behind it. Returns what it started, with each run's location.
 *
 * With nothing queued it takes no lock and no transaction, only one read: every run's end kicks a
 * pass, which held the coordinator's lock over four round trips that a launch under a limit
 * would wait for (strata_launch_status). A run queued after that read is not missed:
 * whoever queues a run kicks its server's coordinator once it commits (RunService.announce, the
 * backfill mutations), and every replica's tick comes back to the queue.
 */
export async function startQueuedRuns(sql: Sql, config: RunConfig): Promise<Array<{ id: string; location: string }>> {
  const [{ queued }] = (await sql.query<{ queued: boolean }>(ANY_QUEUED)) as [{ queued: boolean }];
  if (!queued) return [];
  if (config.tagConcurrencyLimits.length === 0) return startWithinGlobalLimit(sql, config.maxConcurrentRuns);
  return sql.transaction(async (tx) => {
    await lockQueue(tx);
    const active = await tx.query<ActiveRun>(`SELECT id, tags FROM "Run" WHERE status IN ('STARTING', 'STARTED', 'CANCELING')`);
    let room = config.maxConcurrentRuns > 0 ? config.maxConcurrentRuns - active.length : Number.POSITIVE_INFINITY;
    if (room <= 0) return [];
    const queued = await tx.query<ActiveRun & { location: string }>(
      `SELECT r.id, r.tags, l.name AS location FROM "Run" r JOIN "CodeLocation" l ON l.id = r."locationId"
       WHERE r.status = 'QUEUED' ORDER BY r.priority DESC, r."createdAt", r.id LIMIT $1 FOR UPDATE OF r SKIP LOCKED`,
      [Math.min(room, 1000) + (config.tagConcurrencyLimits.length ? 1000 : 0)],
    );
    const matches = (tags: Record<string, string>, limit: RunConfig["tagConcurrencyLimits"][number]) =>
      limit.key in tags && (limit.value === undefined || tags[limit.key] === limit.value);
    const usage = config.tagConcurrencyLimits.map((limit) => active.filter((run) => matches(run.tags, limit)).length);
    const chosen: Array<{ id: string; location: string }> = [];
    for (const run of queued) {
      if (room <= 0) break;
      const limits = config.tagConcurrencyLimits.map((limit, i) => ({ i, applies: matches(run.tags, limit), limit }));
      if (limits.some(({ i, applies, limit }) => applies && usage[i]! >= limit.limit)) continue;
      for (const { i, applies } of limits) if (applies) usage[i]!++;
      chosen.push({ id: run.id, location: run.location });
      room--;
    }
    if (chosen.length) {
      // The rows are locked, so a termination cannot slip in between; the status check is belt and braces.
      await tx.query(
        `UPDATE "Run" SET status = 'STARTING', "startingAt" = now(), "updatedAt" = now() WHERE id = ANY($1::text[]) AND status = 'QUEUED'`,
        [chosen.map((r) => r.id)],
      );
    }
    return chosen;
  });
}

/**
 * The common case, no tag limits: the same decision in one statement after the lock (each
 * statement of the transaction reads what committed before it, so the count is current). This
 * is on every run's launch path, where each round trip shows.
 *
 * The picked runs are a MATERIALIZED CTE, read once. As a subquery joined to the UPDATE, the
 * planner may rescan it once per candidate row, and each rescan skips the rows this very
 * statement already updated (PostgreSQL's guard against the Halloween problem), so LIMIT 1
 * yielded the next run on every rescan and several runs were admitted into one free slot.
 */
async function startWithinGlobalLimit(sql: Sql, maxConcurrentRuns: number) {
  return sql.transaction(async (tx) => {
    await lockQueue(tx);
    const started = await tx.query<{ id: string; location: string; priority: number; createdAt: Date }>(
      `WITH picked AS MATERIALIZED (
         SELECT r.id FROM "Run" r WHERE r.status = 'QUEUED' ORDER BY r.priority DESC, r."createdAt", r.id
         LIMIT CASE WHEN $1::int = 0 THEN 1000
                    ELSE GREATEST(0, $1::int - (SELECT count(*) FROM "Run" WHERE status IN ('STARTING', 'STARTED', 'CANCELING'))::int) END
         FOR UPDATE OF r SKIP LOCKED)
       UPDATE "Run" u SET status = 'STARTING', "startingAt" = now(), "updatedAt" = now()
       FROM picked
       WHERE u.id = picked.id AND u.status = 'QUEUED'
       RETURNING u.id, (SELECT l.name FROM "CodeLocation" l WHERE l.id = u."locationId") AS location, u.priority, u."createdAt"`,
      [maxConcurrentRuns],
    );
    // Announce in queue order.
    started.sort((a, b) => b.priority - a.priority || a.createdAt.getTime() - b.createdAt.getTime());
    return started.map(({ id, location }) => ({ id, location }));
  });
}
