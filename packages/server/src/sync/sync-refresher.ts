/**
 * Stored sync states, refreshed behind the writes that change them. A materialization can change
 * the state of everything downstream of its asset, and resolving that closure costs a walk of
 * its upstream lineage, level by level. Done inside each report, a 100-step chain run walked the
 * chain 100 times (quadratic) and doubled the per-step cost of orchestration; a registration
 * walked its whole location. So an ingest or a registration only appends the assets to
 * "SyncRefresh" in its transaction (durable: a crash loses nothing), and
 * the refresher drains the queue shortly after, each asset once however often it was queued.
 * `assets(syncStatus:)` drains a short queue before filtering (drainForReader), so a reader
 * still sees its own writes.
 */
import type { Logger } from "../logger.js";
import type { Sql } from "../db/sql.js";
import { onEachMessage, type StrataPubSub } from "../pubsub/pubsub.js";
import { refreshSyncStates } from "./sync-state.js";

/** Published after a commit that queued sync refreshes: each replica's refresher drains soon. */
export const SYNC_REFRESH_TOPIC = "syncRefreshQueued";
/** How long the refresher gathers queued assets before it drains them. */
export const SYNC_REFRESH_DELAY_MS = 50;
/**
 * Queue rows drained per transaction. Each drain resolves the downstream closure of its keys and
 * their upstream: after a registration that is the whole location whatever the batch, so
 * batches of 5,000 walked a 100,000-asset location 20 times (~50 s of CPU behind it).
 */
const BATCH = 50_000;

/**
 * Queues the recomputation of every asset of the location `locationId` (as it is when drained)
 * and their downstream closure's: one row, whatever the location's size (a first registration).
 */
export async function queueLocationSyncRefresh(tx: Sql, locationId: string): Promise<void> {
  await tx.query(`INSERT INTO "SyncRefresh" ("locationId") VALUES ($1)`, [locationId]);
}

/** Queues the recomputation of `keys`' stored sync states and their downstream closure's. */
export async function queueSyncRefresh(tx: Sql, keys: readonly string[]): Promise<void> {
  if (keys.length === 0) return;
  await tx.query(`INSERT INTO "SyncRefresh" ("assetKey") SELECT unnest($1::text[])`, [keys]);
}

/**
 * Refreshes what is queued, a batch per transaction, and returns how many assets it refreshed.
 * `wait`: wait for rows another drain holds (a reader that must see them done) rather than skip them.
 */
export async function drainSyncRefresh(sql: Sql, { wait = false } = {}): Promise<number> {
  let refreshed = 0;
  for (;;) {
    const drained = await sql.transaction(async (tx) => {
      const rows = await tx.query<{ assetKey: string | null; locationId: string | null }>(
        `DELETE FROM "SyncRefresh" WHERE id IN (
           SELECT id FROM "SyncRefresh" ORDER BY id LIMIT $1 FOR UPDATE${wait ? "" : " SKIP LOCKED"})
         RETURNING "assetKey", "locationId"`,
        [BATCH],
      );
      const keys = new Set<string>();
      const locations: string[] = [];
      for (const r of rows) {
        if (r.assetKey !== null) keys.add(r.assetKey);
        else if (r.locationId !== null) locations.push(r.locationId);
      }
      if (locations.length) {
        const located = await tx.query<{ key: string }>(`SELECT key FROM "AssetNode" WHERE "locationId" = ANY($1::text[])`, [locations]);
        for (const { key } of located) keys.add(key);
      }
      await refreshSyncStates(tx, [...keys]);
      refreshed += keys.size;
      return rows.length;
    });
    if (drained < BATCH) return refreshed;
  }
}

/** How many queued rows a reader drains itself before it filters; a longer queue is the refresher's. */
export const READER_DRAIN_LIMIT = 2_000;

/**
 * Before `assets(syncStatus:)` filters: what a few recent writes queued is drained first (so a
 * reader sees its own materializations), at the cost of one indexed count when nothing is
 * queued. A queue longer than `limit`, or one holding a whole location (a large registration:
 * refreshing 100,000 assets takes seconds), is left to the refresher already draining it, and the filter answers from the stored
 * states meanwhile rather than making the reader wait. Returns whether it drained.
 */
export async function drainForReader(sql: Sql, limit = READER_DRAIN_LIMIT): Promise<boolean> {
  // A whole location's row counts as many as its assets (its current version's count).
  const [{ n }] = (await sql.query<{ n: number }>(
    `SELECT (count(*) + coalesce(sum(v."assetCount"), 0))::int AS n
       FROM (SELECT "locationId" FROM "SyncRefresh" LIMIT $1) q
       LEFT JOIN "CodeLocation" l ON l.id = q."locationId"
       LEFT JOIN "CodeLocationVersion" v ON v.id = l."currentVersionId"`,
    [limit + 1],
  )) as [{ n: number }];
  if (n === 0 || n > limit) return false;
  await drainSyncRefresh(sql, { wait: true });
  return true;
}

/** Publishes, after the commit, that sync refreshes were queued. */
export function publishSyncRefresh(pubsub: StrataPubSub["pubsub"], queued: boolean): void {
  if (queued) pubsub.publish(SYNC_REFRESH_TOPIC, {});
}

/**
 * One per server replica: drains the queue SYNC_REFRESH_DELAY_MS after the first notice of a
 * burst (a run's reports), once at start (whatever a stopped server left), and again while
 * notices keep coming. Drains across replicas skip each other's rows.
 */
export class SyncRefresher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;
  private listener: AsyncIterator<unknown> | undefined;

  constructor(
    private readonly sql: Sql,
    private readonly pubsub: StrataPubSub["pubsub"],
    private readonly logger: Logger,
    private readonly delayMs = SYNC_REFRESH_DELAY_MS,
  ) {}

  async start(): Promise<void> {
    this.listener = await onEachMessage(
      this.pubsub,
      SYNC_REFRESH_TOPIC,
      () => this.stopped,
      () => this.schedule(),
    );
    this.drainNow();
    await this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.listener?.return?.();
    await this.running;
  }

  /** Drains after the delay, unless a drain is already due. */
  schedule(): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.drainNow();
    }, this.delayMs);
    this.timer.unref();
  }

  /** Resolves once pending drains are done: for tests. */
  idle(): Promise<void> {
    return this.running;
  }

  private drainNow(): void {
    this.running = this.running
      .then(async () => {
        if (this.stopped) return;
        const refreshed = await drainSyncRefresh(this.sql);
        if (refreshed > 0) this.logger.debug("sync states refreshed", { assets: refreshed });
      })
      .catch((error: unknown) => this.logger.error("refreshing sync states failed", { error }));
  }
}
