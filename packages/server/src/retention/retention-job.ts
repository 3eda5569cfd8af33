import type { Sql } from "../db/sql.js";
import type { Logger } from "../logger.js";
import { purgeAutomationTicks, purgeEmptyRuns, type PurgeTiming } from "./history-purge.js";
import { purgeRunEvents, type RunEventPurgeReport } from "./run-event-purge.js";

/** Retention settings (STRATA_RETENTION_*); each kind off unless its number of days is set. */
export interface RetentionConfig {
  /** Run events of runs ended more than this many days ago are purged (asset history kept); null: never. */
  runEventsDays: number | null;
  /** SKIPPED automation ticks older than this are deleted (Dagster's default keeps them 7 days); null: never. */
  skippedTicksDays?: number | null;
  /** SUCCESS and FAILURE automation ticks older than this are deleted; null: never. */
  ticksDays?: number | null;
  /** Runs ended more than this many days ago that recorded nothing (no materialization, check result, re-execution, backfill or partition) are deleted; null: never. */
  emptyRunsDays?: number | null;
  /** How often the job runs. */
  intervalMs: number;
  /** Events per DELETE statement. */
  batchRows: number;
}

export const defaultRetentionConfig: RetentionConfig = {
  runEventsDays: null,
  skippedTicksDays: null,
  ticksDays: null,
  emptyRunsDays: null,
  intervalMs: 60 * 60_000,
  batchRows: 5_000,
};

/** What one pass did: the event purge's figures, then the ticks and runs it deleted. */
export interface RetentionReport extends RunEventPurgeReport {
  ticks: number;
  emptyRuns: number;
}

/** Whether any kind of retention is configured. */
export const retentionEnabled = (config: Pick<RetentionConfig, "runEventsDays" | "skippedTicksDays" | "ticksDays" | "emptyRunsDays">) =>
  [config.runEventsDays, config.skippedTicksDays, config.ticksDays, config.emptyRunsDays].some((d) => d !== null && d !== undefined);

// Other replicas skip a pass while one holds it (session-level: the pass is many short transactions).
const RETENTION_LOCK = 5_337_003;

/**
 * One retention pass under the retention lock, or null when another replica holds it. The
 * deletes run on the session that holds the lock, each statement its own transaction.
 */
export async function runRetentionOnce(
  sql: Sql,
  config: Pick<RetentionConfig, "runEventsDays" | "batchRows" | "skippedTicksDays" | "ticksDays" | "emptyRunsDays">,
  options: { now?: Date; signal?: AbortSignal } = {},
): Promise<RetentionReport | null> {
  const report: RetentionReport = { runs: 0, deleted: 0, statements: 0, longestStatementMs: 0, ticks: 0, emptyRuns: 0 };
  if (!retentionEnabled(config)) return report;
  const now = (options.now ?? new Date()).getTime();
  const cutoff = (days: number) => new Date(now - days * 86_400_000);
  const signal = options.signal ? { signal: options.signal } : {};
  return sql.session(async (session) => {
    const [lock] = await session.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock(${RETENTION_LOCK}) AS locked`);
    if (!lock!.locked) return null;
    try {
      const timing: PurgeTiming = report;
      if (config.runEventsDays != null) {
        const events = await purgeRunEvents(session, { cutoff: cutoff(config.runEventsDays), batchRows: config.batchRows, ...signal });
        Object.assign(report, { runs: events.runs, deleted: events.deleted, statements: events.statements });
        report.longestStatementMs = events.longestStatementMs;
      }
      for (const [days, statuses] of [
        [config.skippedTicksDays, ["SKIPPED"]],
        [config.ticksDays, ["SUCCESS", "FAILURE"]],
      ] as const) {
        if (days == null) continue;
        report.ticks += await purgeAutomationTicks(session, {
          statuses,
          cutoff: cutoff(days),
          batchRows: config.batchRows,
          timing,
          ...signal,
        });
      }
      if (config.emptyRunsDays != null)
        report.emptyRuns = await purgeEmptyRuns(session, {
          cutoff: cutoff(config.emptyRunsDays),
          batchRows: config.batchRows,
          timing,
          ...signal,
        });
      return report;
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
    return retentionEnabled(this.config);
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
        if (report && report.runs + report.ticks + report.emptyRuns > 0) this.logger.info("retention pass", { ...report });
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
