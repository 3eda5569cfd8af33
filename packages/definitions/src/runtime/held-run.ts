import type { ClaimedRun, RunReport, WorkerClient } from "@strata/sdk";
import type { Clock } from "../execution/clock.js";
import type { Definitions } from "../authoring/definitions.js";
import type { RunEvent } from "../execution/events.js";
import { serializeError } from "../execution/serialize-error.js";
import type { ReexecutionStrategy } from "@strata/protocol";
import { executeRun, type RunOutcome } from "../execution/run-executor.js";
import { RunEventReporter, type RunEventReporterOptions } from "./event-reporter.js";
import { RunLease } from "./run-lease.js";
import type { WorkerLogger } from "./worker-logger.js";
import type { RunTracer } from "./run-tracer.js";

/** What every run a worker holds shares. @internal */
export interface HeldRunContext {
  definitions: Definitions;
  client: Pick<WorkerClient, "heartbeatRun" | "reportRunEvents">;
  workerId: string;
  leaseSeconds: number;
  clock: Clock;
  logger: WorkerLogger;
  isRetryable(error: unknown): boolean;
  /** Steps of one run executing at once (the executor's default when absent). */
  stepConcurrency?: number | undefined;
  /** Set when the worker exports traces: each run is a trace of its own (see run-tracer.ts). */
  tracer?: { tracer: RunTracer; location: string } | null | undefined;
  /** Batching of event reports (tests and benchmarks tune it). */
  reporting?: Pick<RunEventReporterOptions, "flushIntervalMs" | "maxBatch" | "pipeline" | "maxBuffered" | "backoff"> | undefined;
}

/** How a held run ended on this worker: its status, or `LOST` when the lease was lost first. */
export type HeldRunResult = { status: RunOutcome["status"] | "LOST"; events: number; requests: number; pipelined: number };

/**
 * One claimed run on this worker: executes it exactly as the server planned it, reports its
 * events through a batching reporter, and heartbeats its lease until the last event is
 * acknowledged. A cancellation (the server's answer or a CANCEL_REQUESTED request) aborts the
 * executor, which ends the run RUN_CANCELED; a lost lease aborts it too and stops reporting,
 * since the run is no longer this worker's.
 * @internal
 */
export class HeldRun {
  readonly id: string;
  readonly #run: ClaimedRun;
  readonly #context: HeldRunContext;
  readonly #controller = new AbortController();
  readonly #reporter: RunEventReporter;
  readonly #lease: RunLease;
  #lost: string | null = null;

  constructor(run: ClaimedRun, context: HeldRunContext) {
    this.id = run.id;
    this.#run = run;
    this.#context = context;
    const { client, workerId, leaseSeconds, clock, logger, isRetryable } = context;
    const runId = run.id;
    this.#reporter = new RunEventReporter({
      ...context.reporting,
      send: (events) => client.reportRunEvents({ runId, workerId, leaseSeconds, events: events.map(toWire) }),
      isRetryable,
      onReport: (report) => this.#onReport(report),
      onRetry: (error, attempt, delayMs) => {
        if (attempt === 1 || attempt % 10 === 0)
          logger.warn(`cannot report events of run ${runId}; keeping them and retrying`, {
            runId,
            attempt,
            delayMs,
            error: describe(error),
          });
      },
      onFatal: (error) => this.#lose(`reporting its events failed: ${describe(error)}`),
      clock,
    });
    this.#lease = new RunLease({
      heartbeat: () => client.heartbeatRun({ runId, workerId, leaseSeconds }),
      isRetryable,
      onReport: (report) => this.#onReport(report),
      onError: (error, fatal) => {
        if (fatal) this.#lose(`its heartbeat was refused: ${describe(error)}`);
        else logger.warn(`heartbeat of run ${runId} failed; trying again`, { runId, error: describe(error) });
      },
      clock,
      leaseSeconds,
    });
  }

  /** Asks the run to stop: the executor aborts and the run ends RUN_CANCELED. */
  cancel(reason: string): void {
    if (this.#controller.signal.aborted) return;
    this.#context.logger.info(`canceling run ${this.id}: ${reason}`, { runId: this.id });
    this.#controller.abort(new Error(`the run was canceled: ${reason}`));
  }

  /** Stops reporting at once, dropping unreported events (shutdown when the server stays away). */
  abandon(reason: string): void {
    this.#lose(reason);
  }

  async execute(): Promise<HeldRunResult> {
    const run = this.#run;
    const { definitions, logger, clock } = this.#context;
    logger.info(`executing run ${run.id}: ${run.stepKeys.length} step(s)`, { runId: run.id, stepKeys: run.stepKeys });
    this.#lease.start();
    const traced = this.#context.tracer;
    const span = traced?.tracer.startRun({
      id: run.id,
      location: traced.location,
      workerId: this.#context.workerId,
      traceparent: run.traceparent ?? null,
    });
    let status: RunOutcome["status"];
    try {
      const outcome = await executeRun(definitions, {
        runId: run.id,
        plan: {
          stepKeys: run.stepKeys,
          assetKeys: run.assetKeys,
          reusedOutputs: run.reusedOutputs,
          parentRunId: run.parentRunId,
          rootRunId: run.rootRunId,
          strategy: run.strategy as ReexecutionStrategy | null,
        },
        partition: run.partitionKey,
        partitionRange: run.partitionRange,
        // The server stored the run's RUN_START with the claim (seq 1): what the executor numbers
        // up to there is already on the server.
        sink: (event) => (event.seq > run.lastEventSeq ? this.#reporter.push(event) : undefined),
        signal: this.#controller.signal,
        concurrency: this.#context.stepConcurrency,
        ...(span ? { trace: span } : {}),
      });
      status = outcome.status;
    } catch (error) {
      // The plan does not fit this code (it changed since the run was launched): end the run
      // now with the reason rather than leave it to the run monitor.
      status = "FAILURE";
      const reason = serializeError(error);
      logger.error(`run ${run.id} cannot execute: ${reason.message}`, { runId: run.id });
      await this.#reporter.push({
        seq: run.lastEventSeq + 1,
        type: "RUN_FAILURE",
        timestamp: clock.now(),
        message: `run ${run.id} cannot execute on this code location: ${reason.message}`,
        payload: { durationMs: 0, failedSteps: [], skippedSteps: [], error: reason, reason: "RUN_ERROR", failedChecks: [] },
      });
    }
    if (span) {
      if (status !== "SUCCESS") span.fail(new Error(`run ${run.id} ended ${status}`));
      span.end();
    }
    await this.#reporter.close();
    await this.#lease.stop();
    const { delivered: events, requests, pipelined } = this.#reporter;
    if (this.#lost !== null) return { status: "LOST", events, requests, pipelined };
    logger.info(`run ${run.id} ended ${status}`, { runId: run.id, status, events, requests, pipelined });
    return { status, events, requests, pipelined };
  }

  #onReport(report: RunReport): void {
    if (!report.held) this.#lose(report.message);
    else if (report.cancelRequested) this.cancel("termination was requested");
  }

  #lose(reason: string): void {
    if (this.#lost !== null) return;
    this.#lost = reason;
    this.#context.logger.warn(`stopped run ${this.id}: ${reason}`, { runId: this.id });
    this.#reporter.abandon();
    void this.#lease.stop();
    this.#controller.abort(new Error(`this worker no longer holds the run: ${reason}`));
  }
}

function toWire(event: RunEvent) {
  const { seq, type, timestamp, stepKey, assetKey, level, message, payload } = event;
  return { seq, type, timestamp, stepKey, assetKey, level, message, payload };
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
