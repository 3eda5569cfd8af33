import { createWorkerClient, type ClaimedRun, type WorkerClient, type WorkerRunEvent } from "@strata/sdk";
import { runStartPayload } from "@strata/server/testing";

/**
 * A code location's worker played through the SDK, as the server's tests do: it claims the
 * runs the server starts for a location and reports the events a real executor would.
 */
export class FakeWorker {
  private readonly worker: WorkerClient;
  private readonly seqs = new Map<string, number>();
  /** The lease each claimed run was taken with: every report renews it for as long again. */
  private readonly leases = new Map<string, number>();
  readonly workerId = "ui-test-worker";

  constructor(
    graphqlUrl: string,
    readonly location: string,
    token?: string,
  ) {
    this.worker = createWorkerClient({ url: graphqlUrl, token });
  }

  /**
   * The next run the server hands this location (waiting for the coordinator to start it),
   * held for `leaseSeconds` (the server's default unless given) without a heartbeat; each
   * report renews the lease for as long again (a report with no lease would renew it for the
   * server's default only).
   */
  async claim(leaseSeconds?: number): Promise<ClaimedRun> {
    for (let i = 0; i < 600; i++) {
      const run = await this.worker.claimRun({ location: this.location, workerId: this.workerId, waitSeconds: 1, leaseSeconds });
      if (run) {
        if (leaseSeconds !== undefined) this.leases.set(run.id, leaseSeconds);
        return run;
      }
    }
    throw new Error(`no run to claim for ${this.location}`);
  }

  async report(runId: string, ...events: Array<Omit<WorkerRunEvent, "seq" | "timestamp"> & { timestamp?: number }>): Promise<void> {
    let seq = this.seqs.get(runId) ?? 0;
    const numbered = events.map((e) => ({ timestamp: Date.now(), ...e, seq: ++seq }));
    this.seqs.set(runId, seq);
    const report = await this.worker.reportRunEvents({
      runId,
      workerId: this.workerId,
      events: numbered,
      leaseSeconds: this.leases.get(runId),
    });
    if (!report.held) throw new Error(`the worker lost run ${runId}: ${report.message}`);
  }

  start(run: ClaimedRun) {
    return this.report(run.id, { type: "RUN_START", payload: runStartPayload(run) });
  }

  /** A step that succeeds and materializes `assetKey` with `metadata`. */
  succeed(runId: string, stepKey: string, assetKey: string, metadata: Record<string, unknown> = {}) {
    return this.report(
      runId,
      { type: "STEP_START", stepKey, payload: { retryNumber: 0 } },
      { type: "ASSET_MATERIALIZATION", stepKey, assetKey, payload: { assetKey, outputName: "result", metadata, dataVersion: null } },
      { type: "STEP_SUCCESS", stepKey, payload: { durationMs: 5, retryNumber: 0 } },
    );
  }

  fail(runId: string, stepKey: string, message: string) {
    return this.report(
      runId,
      { type: "STEP_START", stepKey, payload: { retryNumber: 0 } },
      { type: "LOG", stepKey, level: "ERROR", message, payload: { extra: null } },
      {
        type: "STEP_FAILURE",
        stepKey,
        payload: { error: { name: "Error", message, stack: null, cause: null }, retryNumber: 0, userCode: true },
      },
    );
  }
}
