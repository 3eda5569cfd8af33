import type { Sql } from "../db/sql.js";
import type { Logger } from "../logger.js";
import { purgeRunEvents, type RunEventPurgeReport } from "./run-event-purge.js";

/** Retention settings (STRATA_RETENTION_*); off unless a number of days is set. */
export interface RetentionConfig {
  /** Run events of runs ended more than this many days ago are purged (asset history kept); null: never. */
  runEventsDays: number | null;
  /** How often the job runs. */
  intervalMs: number;
  /** Events per DELETE statement. */
  batchRows: number;
}

export const defaultRetentionConfig: RetentionConfig = { runEventsDays: null, intervalMs: 60 * 60_000, batchRows: 5_000 };

// Other replicas skip a pass while one holds it (session-level: the pass is many short transactions).
const RETENTION_LOCK = 5_337_003;

/**
 * One retention pass under the retention lock, or null when another replica holds it. The
 * deletes run on the session that holds the lock, each statement its own transaction.
 */
export async function runRetentionOnce(
  sql: Sql,
  config: Pick<RetentionConfig, "runEventsDays" | "batchRows">,
  options: { now?: Date; signal?: AbortSignal } = {},
): Promise<RunEventPurgeReport | null> {
  if (config.runEventsDays === null) return { runs: 0, deleted: 0, statements: 0, longestStatementMs: 0 };
  const cutoff = new Date((options.now ?? new Date()).getTime() - config.runEventsDays * 86_400_000);
  return sql.session(async (session) => {
    const [lock] = await session.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock(${RETENTION_LOCK}) AS locked`);
    if (!lock!.locked) return null;
    try {
      return await purgeRunEvents(session, { cutoff, batchRows: config.batchRows, ...(options.signal ? { signal: options.signal } : {}) });
    } finally {
      await session.query(`SELECT pg_advisory_unlock(${RETENTION_LOCK})`);
    }
  });
}

/** The background job: a pass at start-up and every `intervalMs`, on every replica (the lock picks one). */
export class RetentionJob {
  private timer: NodeJS.Timeout | undefined;
  private pass: Promise<void> | undefined;
  private readonly stopping = new AbortController();

  constructor(
    private readonly sql: Sql,
    private readonly config: RetentionConfig,
    private readonly logger: Logger,
  ) {}

  get enabled(): boolean {
    return this.config.runEventsDays !== null;
  }

  start(): void {
    if (!this.enabled) return;
    this.timer = setInterval(() => void this.runOnce(), this.config.intervalMs);
    this.timer.unref();
    void this.runOnce();
  }

  runOnce(): Promise<void> {
    this.pass ??= (async () => {
      try {
        const report = await runRetentionOnce(this.sql, this.config, { signal: this.stopping.signal });
        if (report && report.runs > 0) this.logger.info("retention purged run events", { ...report });
      } catch (error) {
        this.logger.error("retention failed", { error });
      } finally {
        this.pass = undefined;
      }
    })();
    return this.pass;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.stopping.abort();
    await this.pass;
  }
}
