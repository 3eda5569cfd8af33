import type { Database } from "../db/database.js";
import type { Logger } from "../logger.js";
import { ServerMetrics } from "../metrics/server-metrics.js";
import type { StrataPubSub } from "../pubsub/pubsub.js";
import { ClaimDesk } from "./claim-desk.js";
import type { NewRunStatus } from "./launch.js";
import { ManifestCache } from "./manifest-cache.js";
import { failStaleRuns } from "./monitor.js";
import { startQueuedRuns } from "./queue.js";
import type { RunConfig } from "./run-config.js";
import { FreshnessService } from "../freshness/freshness-service.js";
import { SyncRefresher } from "../sync/sync-refresher.js";

/**
 * The server side of runs that is not a request: the coordinator (QUEUED → STARTING within
 * the limits) and the monitor (leases and start timeouts). Every server replica runs both; an
 * advisory lock and row locks keep them from stepping on each other.
 */
export class RunService {
  readonly manifests = new ManifestCache();
  /** Workers long-polling claimRun on this server, whom a launch may hand its run (launchRun). */
  readonly claims = new ClaimDesk();
  private timer: NodeJS.Timeout | undefined;
  private pending: Promise<void> | undefined;
  /** The monitor's passes under way, which stop() waits for: the database may close right after. */
  private readonly monitoring = new Set<Promise<void>>();
  private again = false;
  private stopped = false;
  /** Started with the service: freshness transitions at their precomputed times. */
  private freshness: FreshnessService | undefined;
  /** Started with the service: stored sync states refreshed behind ingest. */
  sync: SyncRefresher | undefined;

  constructor(
    readonly db: Database,
    readonly pubsub: StrataPubSub["pubsub"],
    readonly config: RunConfig,
    private readonly logger: Logger,
    readonly metrics: ServerMetrics = new ServerMetrics(),
  ) {}

  /** Starts the periodic tick (the server does; tests may drive `tick()` themselves). */
  start(): void {
    this.timer = setInterval(() => void this.tick(), this.config.tickMs);
    this.timer.unref();
    void this.tick();
    this.freshness = new FreshnessService(this.db.sql, this.pubsub, this.logger);
    void this.freshness.start().catch((error: unknown) => this.logger.error("freshness timer failed to start", { error }));
    this.sync = new SyncRefresher(this.db.sql, this.pubsub, this.logger);
    void this.sync.start().catch((error: unknown) => this.logger.error("sync refresher failed to start", { error }));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.freshness?.stop();
    await this.sync?.stop();
    await Promise.all(this.monitoring);
    await this.pending;
  }

  /**
   * The global limit new runs may be admitted under as they are launched, or null when tag
   * limits apply and only the coordinator can weigh them.
   */
  get admitUpTo(): number | null {
    return this.config.tagConcurrencyLimits.length ? null : this.config.maxConcurrentRuns;
  }

  /**
   * Tells everyone about a run just stored: workers when it starts at once, else the
   * coordinator. A run handed to a waiting worker (STARTED) is announced STARTING, the status
   * it passed through; its claim's answer announces STARTED (run-worker.ts).
   */
  announce(run: { id: string; status: NewRunStatus; location: string }): void {
    this.metrics.runLaunched(run.location);
    this.pubsub.publish("runStatusChanged", { runId: run.id, status: run.status === "QUEUED" ? "QUEUED" : "STARTING" });
    if (run.status === "STARTING") this.pubsub.publish("runRequests", run.location, { kind: "RUN_AVAILABLE", runId: run.id });
    else if (run.status === "QUEUED") this.kick();
  }

  /** Asks the coordinator to look at the queue now (after a launch, or when a run ends). */
  kick(): void {
    if (this.stopped) return;
    if (this.pending) {
      this.again = true;
      return;
    }
    this.pending = this.coordinate().finally(() => {
      this.pending = undefined;
      if (this.again) {
        this.again = false;
        this.kick();
      }
    });
  }

  /** One pass of the monitor and the coordinator. */
  async tick(): Promise<void> {
    if (this.stopped) return;
    const monitoring = this.monitor();
    this.monitoring.add(monitoring);
    await monitoring;
    this.monitoring.delete(monitoring);
    this.kick();
    await this.pending;
  }

  private async monitor(): Promise<void> {
    try {
      const ended = await failStaleRuns(this.db.sql, this.config, this.pubsub, this.metrics);
      for (const run of ended) this.logger.warn("run failed by the monitor", run);
    } catch (error) {
      this.logger.error("run monitor failed", { error });
    }
  }

  private async coordinate(): Promise<void> {
    try {
      const started = await startQueuedRuns(this.db.sql, this.config);
      for (const run of started) {
        this.pubsub.publish("runStatusChanged", { runId: run.id, status: "STARTING" });
        this.pubsub.publish("runRequests", run.location, { kind: "RUN_AVAILABLE", runId: run.id });
      }
    } catch (error) {
      this.logger.error("run coordinator failed", { error });
    }
  }
}
