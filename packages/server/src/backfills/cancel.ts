import type { Sql } from "../db/sql.js";
import { BackfillStatusError, NotFoundError, RunStatusError } from "../errors.js";
import type { StrataPubSub } from "../pubsub/pubsub.js";
import { terminateRun } from "../runs/terminate.js";
import { finishIfDone } from "./advance.js";
import type { ServerMetrics } from "../metrics/server-metrics.js";

/**
 * Cancels a backfill: CANCELING at once, its waiting and ready chunks CANCELED (so nothing launches
 * afterwards), then each of its runs terminated as terminateRun does (queued and starting runs
 * CANCELED at once, started ones CANCELING until their worker stops them). It becomes CANCELED
 * when its last run ends, or at once when none was running. Already canceling: nothing more.
 * Finished: a BackfillStatusError.
 *
 * The runs are terminated after the backfill's transaction, one transaction each: a run's end
 * takes the run's lock, then the backfill's, and this must not take them the other way round.
 */
export async function cancelBackfill(
  sql: Sql,
  pubsub: StrataPubSub["pubsub"],
  id: string,
  by: string,
  metrics?: ServerMetrics,
): Promise<void> {
  const runIds = await sql.transaction(async (tx) => {
    const [backfill] = await tx.query<{ id: string; status: string }>(`SELECT id, status FROM "Backfill" WHERE id = $1 FOR UPDATE`, [id]);
    if (!backfill) throw new NotFoundError("backfill", id);
    if (backfill.status === "CANCELING") return [];
    if (backfill.status !== "REQUESTED")
      throw new BackfillStatusError(
        { backfillId: id, status: backfill.status },
        `Backfill ${id} has already ended (${backfill.status}); there is nothing to cancel`,
      );
    await tx.query(`UPDATE "Backfill" SET status = 'CANCELING' WHERE id = $1`, [id]);
    await tx.query(`UPDATE "BackfillChunk" SET state = 'CANCELED' WHERE "backfillId" = $1 AND state IN ('WAITING', 'READY')`, [id]);
    await finishIfDone(tx, { id, status: "CANCELING" });
    const launched = await tx.query<{ runId: string }>(
      `SELECT "runId" FROM "BackfillChunk" WHERE "backfillId" = $1 AND state = 'LAUNCHED' ORDER BY idx`,
      [id],
    );
    return launched.map((c) => c.runId);
  });
  pubsub.publish("backfillChanged", { backfillId: id });
  for (const runId of runIds) {
    try {
      await terminateRun(sql, pubsub, runId, by, metrics);
    } catch (error) {
      // It ended meanwhile: its end settled its chunk already.
      if (!(error instanceof RunStatusError)) throw error;
    }
  }
  if (runIds.length) pubsub.publish("backfillChanged", { backfillId: id });
}
