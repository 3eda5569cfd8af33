import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

/** What a worker's report committed: the fresh events (never resends) and their effects. */
export interface CommittedReport {
  readonly stored: ReadonlyArray<{ readonly type: string; readonly payload: unknown }>;
  readonly materialized: readonly unknown[];
  /** The run's new status, when the report changed it. */
  readonly status: string | null;
  /** The run's backfill, when it belongs to one and just ended. */
  readonly backfillId: string | null;
}

/** An event the server appended itself when it ended a run (endRunOnServer). */
export interface ServerEndEvent {
  readonly type: string;
  readonly payload: unknown;
}

const TERMINAL_RUN = new Map([
  ["RUN_SUCCESS", "SUCCESS"],
  ["RUN_FAILURE", "FAILURE"],
  ["RUN_CANCELED", "CANCELED"],
]);
const TERMINAL_STEP = new Map([
  ["STEP_SUCCESS", "SUCCESS"],
  ["STEP_FAILURE", "FAILURE"],
  ["STEP_SKIPPED", "SKIPPED"],
  ["STEP_CANCELED", "CANCELED"],
]);

// Runs last from seconds to hours; steps and queue waits are shorter. One second to two hours
// covers what an alert looks at without a bucket per second.
const RUN_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200];
const WAIT_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800];
const REQUEST_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Distinct operation names kept as labels; later ones are counted as "other". */
export const MAX_OPERATION_NAMES = 200;

/**
 * One server instance's metrics, on its own registry (never prom-client's global one: tests run
 * several servers in one process, and each replica must report only what it did). Counters are
 * bumped where the event happens, after its transaction commits, so a scrape reads memory and
 * costs the same over ten rows or ten million. Each replica counts what it handled: Prometheus
 * adds the replicas up (`sum by (location, status)`).
 *
 * @example
 * const metrics = new ServerMetrics({ processMetrics: true });
 * metrics.runLaunched("etl");
 * const text = await metrics.registry.metrics();
 */
export class ServerMetrics {
  readonly registry = new Registry();
  private readonly operations = new Set<string>();

  readonly runsLaunched = this.counter("strata_runs_launched_total", "Runs launched (launchRun, reexecuteRun), by code location.", [
    "location",
  ]);
  readonly runs = this.counter("strata_runs_total", "Runs that reached a final status (SUCCESS, FAILURE, CANCELED), by code location.", [
    "location",
    "status",
  ]);
  readonly runDuration = this.histogram(
    "strata_run_duration_seconds",
    "From a worker's claim to the run's end, by code location and final status (runs no worker held are left out).",
    ["location", "status"],
    RUN_BUCKETS,
  );
  readonly launchToStart = this.histogram(
    "strata_run_launch_to_start_seconds",
    "From a run's launch to a worker's claim of it (queue and admission wait), by code location.",
    ["location"],
    WAIT_BUCKETS,
  );
  readonly steps = this.counter(
    "strata_steps_total",
    "Steps that reached a final status (SUCCESS, FAILURE, SKIPPED, CANCELED), by code location.",
    ["location", "status"],
  );
  readonly stepDuration = this.histogram(
    "strata_step_duration_seconds",
    "Duration of successful steps as their worker reported it, by code location.",
    ["location"],
    RUN_BUCKETS,
  );
  readonly materializations = this.counter("strata_materializations_total", "Asset materializations recorded by runs, by code location.", [
    "location",
  ]);
  readonly reportedMaterializations = this.counter(
    "strata_reported_materializations_total",
    "Asset materializations reported outside runs (reportMaterialization).",
  );
  readonly ingestedEvents = this.counter(
    "strata_event_ingest_rows_total",
    "Run events stored from workers' reports (resends not counted), by code location.",
    ["location"],
  );
  readonly backfillsLaunched = this.counter(
    "strata_backfills_launched_total",
    "Backfills launched (launchBackfill, reexecuteBackfill), by code location.",
    ["location"],
  );
  readonly backfillRuns = this.counter("strata_backfill_runs_total", "Runs of backfills that reached a final status, by code location.", [
    "location",
    "status",
  ]);
  readonly checkEvaluations = this.counter(
    "strata_check_evaluations_total",
    "Asset check results recorded by runs, by code location, outcome (passed, failed) and severity (WARN, ERROR).",
    ["location", "outcome", "severity"],
  );
  readonly reportedCheckResults = this.counter(
    "strata_reported_check_results_total",
    "Asset check results reported outside runs (reportCheckResult), by outcome and severity.",
    ["outcome", "severity"],
  );
  readonly automationTicks = this.counter(
    "strata_automation_ticks_total",
    "Automation ticks stored, by code location, instigator (conditions, schedule) and status (SUCCESS: runs requested, SKIPPED, FAILURE).",
    ["location", "instigator", "status"],
  );
  readonly graphqlRequests = this.histogram(
    "strata_graphql_request_seconds",
    `Executed GraphQL queries and mutations, from the request's arrival (HTTP) or the start of execution (WebSocket) to the end of execution, by operation name ("anonymous" when unnamed, "other" past ${MAX_OPERATION_NAMES} names) and type.`,
    ["operation", "type"],
    REQUEST_BUCKETS,
  );
  /** Read from the database at scrape time (see database-gauges.ts). */
  readonly queueDepth = this.gauge(
    "strata_run_queue_depth",
    "Runs waiting to start (QUEUED) or to be claimed (STARTING), read at scrape time; the same on every replica.",
    ["status"],
  );
  readonly heartbeatAge = this.gauge(
    "strata_location_heartbeat_age_seconds",
    "Seconds since each code location's last heartbeat, read at scrape time; the same on every replica.",
    ["location"],
  );

  private counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  private histogram<L extends string>(name: string, help: string, labelNames: readonly L[], buckets: number[]): Histogram<L> {
    return new Histogram({ name, help, labelNames, buckets, registers: [this.registry] });
  }

  private gauge<L extends string>(name: string, help: string, labelNames: readonly L[]): Gauge<L> {
    return new Gauge({ name, help, labelNames, registers: [this.registry] });
  }

  constructor(options: { processMetrics?: boolean } = {}) {
    // Off by default: only a real server's process is worth describing, and tests build many.
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  /** A run was stored (after its launch committed). */
  runLaunched(location: string): void {
    this.runsLaunched.inc({ location });
  }

  /** A worker claimed a run launched `queuedSeconds` ago. */
  runStarted(location: string, queuedSeconds: number): void {
    this.launchToStart.observe({ location }, Math.max(0, queuedSeconds));
  }

  /** A worker's report committed. */
  runReported(location: string, report: CommittedReport): void {
    if (report.stored.length) this.ingestedEvents.inc({ location }, report.stored.length);
    if (report.materialized.length) this.materializations.inc({ location }, report.materialized.length);
    for (const event of report.stored) {
      const step = TERMINAL_STEP.get(event.type);
      if (step) {
        this.steps.inc({ location, status: step });
        const ms = durationMsOf(event.payload);
        if (step === "SUCCESS" && ms !== null) this.stepDuration.observe({ location }, ms / 1000);
      }
      if (event.type === "ASSET_CHECK_EVALUATION") {
        const result = event.payload as { passed?: boolean; severity?: string };
        this.checkEvaluations.inc({ location, outcome: result.passed ? "passed" : "failed", severity: result.severity ?? "ERROR" });
      }
      const status = TERMINAL_RUN.get(event.type);
      if (status && report.status === status) {
        this.runEnded(location, status, durationMsOf(event.payload));
        if (report.backfillId) this.backfillRuns.inc({ location, status });
      }
    }
  }

  /** The server ended a run itself (the monitor, a termination before any worker held it). */
  runEndedOnServer(location: string, event: ServerEndEvent, backfillId: string | null = null): void {
    const status = TERMINAL_RUN.get(event.type);
    if (!status) return;
    const payload = (event.payload ?? {}) as { failedSteps?: string[]; skippedSteps?: string[]; notStartedSteps?: string[] };
    if (payload.failedSteps?.length) this.steps.inc({ location, status: "FAILURE" }, payload.failedSteps.length);
    if (payload.skippedSteps?.length) this.steps.inc({ location, status: "SKIPPED" }, payload.skippedSteps.length);
    if (payload.notStartedSteps?.length) this.steps.inc({ location, status: "CANCELED" }, payload.notStartedSteps.length);
    // endRunOnServer writes a duration of 0 for a run no worker ever held: it has no duration.
    const ms = durationMsOf(event.payload);
    this.runEnded(location, status, ms ? ms : null);
    if (backfillId) this.backfillRuns.inc({ location, status });
  }

  materializationReported(): void {
    this.reportedMaterializations.inc();
  }

  /** A check result reported outside runs committed. */
  checkResultReported(passed: boolean, severity: string): void {
    this.reportedCheckResults.inc({ outcome: passed ? "passed" : "failed", severity });
  }

  /** Automation ticks a loop pass stored (condition ticks, or a schedule's). */
  automationTicked(location: string, instigator: "conditions" | "schedule" | "sensor", status: string, count = 1): void {
    if (count > 0) this.automationTicks.inc({ location, instigator, status }, count);
  }

  backfillLaunched(location: string): void {
    this.backfillsLaunched.inc({ location });
  }

  graphqlOperation(name: string | null | undefined, type: string, seconds: number): void {
    this.graphqlRequests.observe({ operation: this.operationLabel(name), type }, seconds);
  }

  private runEnded(location: string, status: string, durationMs: number | null): void {
    this.runs.inc({ location, status });
    if (durationMs !== null) this.runDuration.observe({ location, status }, durationMs / 1000);
  }

  /** Operation names come from clients: bounded, or one client could grow the series forever. */
  private operationLabel(name: string | null | undefined): string {
    if (!name) return "anonymous";
    if (this.operations.has(name)) return name;
    if (this.operations.size >= MAX_OPERATION_NAMES) return "other";
    this.operations.add(name);
    return name;
  }
}

function durationMsOf(payload: unknown): number | null {
  const ms = (payload as { durationMs?: unknown } | null)?.durationMs;
  return typeof ms === "number" && Number.isFinite(ms) && ms >= 0 ? ms : null;
}
