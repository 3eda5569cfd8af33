import { createConnection, type ClientOptions } from "./client-connection.js";
import { codeLocationMethods, type CodeLocationMethods } from "./code-locations.js";
import { errorFromUnionMember } from "./error-mapping.js";
import {
  WorkerRunRequestsDocument,
  type StrataErrorFieldsFragment,
  type WorkerClaimRunMutation,
  type WorkerClaimScheduleTicksMutation,
  type WorkerClaimSensorTicksMutation,
  type WorkerReportScheduleTickMutation,
  type WorkerReportSensorTickMutation,
  type WorkerRunRequestsSubscription,
} from "./generated/graphql.js";
import { unwrapResult, type Unwrapped } from "./result-union.js";
import type { StrataSubscription, SubscribeOptions } from "./subscriptions/reconnecting-subscription.js";

/**
 * A run a worker has claimed: execute exactly these steps (loading `reusedOutputs` from the
 * runs named), report its events, heartbeat it until it ends.
 *
 * @example
 * ```ts
 * const run: ClaimedRun | null = await worker.claimRun({ location: "sales", workerId, leaseSeconds: 30 });
 * if (run) console.log(`${run.id}: ${run.stepKeys.join(", ")}`);
 * ```
 */
export type ClaimedRun = NonNullable<Unwrapped<WorkerClaimRunMutation["claimRun"], "ClaimRunResult">["run"]>;

/**
 * The server's answer to a run's heartbeat or event report: the worker still holds the run
 * (the highest seq stored, and whether a cancellation was requested), or it does not (the lease
 * expired and the run monitor ended the run, or it ended otherwise) and must stop executing
 * and reporting it.
 *
 * @example
 * ```ts
 * const report: RunReport = await worker.heartbeatRun({ runId, workerId });
 * if (!report.held || report.cancelRequested) abort.abort();
 * ```
 */
export type RunReport = { held: true; lastSeq: number; status: string; cancelRequested: boolean } | { held: false; message: string };

/**
 * Work for a location's workers: a run to claim (`RUN_AVAILABLE`) or a held run to abort
 * (`CANCEL_REQUESTED`).
 *
 * @example
 * ```ts
 * const onRequest = (r: RunRequest) => (r.kind === "RUN_AVAILABLE" ? claimSoon() : cancel(r.runId));
 * ```
 */
export type RunRequest = WorkerRunRequestsSubscription["runRequests"];

/**
 * A sensor tick a worker took to evaluate: the sensor's name, the cursor and previous tick time
 * its function gets, and when the tick fails without an answer.
 *
 * @example
 * ```ts
 * for (const tick of await worker.claimSensorTicks({ location: "sales", workerId })) console.log(tick.sensor, tick.cursor);
 * ```
 */
export type ClaimedSensorTick = WorkerClaimSensorTicksMutation["claimSensorTicks"][number];

/**
 * What the server did with a sensor tick's answer: its status, the runs launched, the run keys
 * it had launched before (nothing launched for them); `accepted: false` when the tick had
 * already ended (timed out).
 *
 * @example
 * ```ts
 * const report: SensorTickReport = await worker.reportSensorTick({ location, tickId, workerId, result: { skipReason: "no new files" } });
 * ```
 */
export type SensorTickReport = Unwrapped<WorkerReportSensorTickMutation["reportSensorTick"], "SensorTickReport">;

/**
 * A schedule function's tick a worker took to evaluate: the schedule's name, the scheduled
 * instant its function gets, and when the tick fails without an answer.
 *
 * @example
 * ```ts
 * for (const tick of await worker.claimScheduleTicks({ location: "sales", workerId })) console.log(tick.schedule, tick.scheduledAt);
 * ```
 */
export type ClaimedScheduleTick = WorkerClaimScheduleTicksMutation["claimScheduleTicks"][number];

/**
 * What the server did with a schedule function's answer: its status, the runs launched, the run
 * keys it had launched before; `accepted: false` when the tick had already ended (timed out).
 *
 * @example
 * ```ts
 * const report: ScheduleTickReport = await worker.reportScheduleTick({ location, tickId, workerId, result: { skipReason: "holiday" } });
 * ```
 */
export type ScheduleTickReport = Unwrapped<WorkerReportScheduleTickMutation["reportScheduleTick"], "ScheduleTickReport">;

/**
 * One run event as a worker reports it; `seq` numbers a run's events from 1 and the server
 * stores each seq once, so resending is harmless.
 *
 * @example
 * ```ts
 * const event: WorkerRunEvent = { seq: 1, type: "RUN_START", timestamp: Date.now(), payload: { runId } };
 * ```
 */
export interface WorkerRunEvent {
  seq: number;
  /** One of the run event types (`RunEventType`). */
  type: string;
  /** Milliseconds since the epoch. */
  timestamp: number;
  stepKey?: string | null;
  assetKey?: string | null;
  level?: string | null;
  message?: string | null;
  /** Shaped by `type` (see @strata/protocol's runEventPayloadSchemas). */
  payload?: unknown;
}

/**
 * What a code location's worker calls, over the same typed-error policy as `createClient`
 * (plain data, or a thrown `StrataError`; `isRetryable(error)` tells an outage from a refusal).
 * The token needs `location:<name>`.
 *
 * @example
 * ```ts
 * const worker: WorkerClient = createWorkerClient({ url, token: process.env.STRATA_TOKEN });
 * const run = await worker.claimRun({ location: "sales", workerId: "host-1:4242" });
 * ```
 *
 * @see {@link createWorkerClient}
 */
export interface WorkerClient
  extends Pick<CodeLocationMethods, "registerCodeLocation" | "reportCodeLocationHeartbeat" | "reportCodeLocationLoadError"> {
  /**
   * Takes the next run waiting for `location`, or `null`. Each run goes to exactly one worker,
   * however many claim at once; the worker holds it for `leaseSeconds` (server default when
   * absent) unless it heartbeats or reports. With `waitSeconds` (up to 60) an idle worker
   * long-polls: the answer comes as soon as a run starts for the location, or `null` when the
   * time is up; `signal` ends the wait early.
   *
   * @example
   * ```ts
   * const run = await worker.claimRun({ location: "sales", workerId: "host-1:4242", leaseSeconds: 30 });
   * ```
   */
  claimRun(input: {
    location: string;
    workerId: string;
    leaseSeconds?: number;
    waitSeconds?: number;
    signal?: AbortSignal;
  }): Promise<ClaimedRun | null>;

  /**
   * Renews the lease on a held run.
   *
   * @example
   * ```ts
   * const report = await worker.heartbeatRun({ runId: run.id, workerId, leaseSeconds: 30 });
   * ```
   */
  heartbeatRun(input: { runId: string; workerId: string; leaseSeconds?: number }): Promise<RunReport>;

  /**
   * Stores a batch of a held run's events (idempotent by seq) and renews the lease.
   *
   * @example
   * ```ts
   * const report = await worker.reportRunEvents({ runId: run.id, workerId, events: [{ seq: 1, type: "RUN_START", timestamp: Date.now() }] });
   * ```
   */
  reportRunEvents(input: { runId: string; workerId: string; events: readonly WorkerRunEvent[]; leaseSeconds?: number }): Promise<RunReport>;

  /**
   * Work for `location`, pushed as it appears, over SSE; reconnects by itself. Requests sent
   * while disconnected are lost: pair it with a slow poll of `claimRun` (and claim once after
   * each reconnection, which `onStatus` reports).
   *
   * @example
   * ```ts
   * for await (const request of worker.runRequests("sales", { signal })) {
   *   if (request.kind === "RUN_AVAILABLE") wake();
   * }
   * ```
   */
  runRequests(location: string, options?: SubscribeOptions): StrataSubscription<RunRequest>;

  /**
   * Takes the location's sensor ticks no worker has taken yet (announced as SENSOR_TICK run
   * requests); each goes to exactly one worker, which evaluates the sensor and reports.
   *
   * @example
   * ```ts
   * const ticks = await worker.claimSensorTicks({ location: "sales", workerId });
   * ```
   */
  claimSensorTicks(input: { location: string; workerId: string }): Promise<ClaimedSensorTick[]>;

  /**
   * Answers a sensor tick with what its function returned (`{ runRequests, skipReason, cursor }`)
   * or the error it threw (`{ error: { name, message, stack } }`).
   *
   * @example
   * ```ts
   * await worker.reportSensorTick({ location: "sales", tickId: tick.tickId, workerId, result: { runRequests: [{ runKey: "f1.csv" }] } });
   * ```
   */
  reportSensorTick(input: { location: string; tickId: string; workerId: string; result: unknown }): Promise<SensorTickReport>;

  /**
   * Takes the location's schedule-function ticks no worker has taken yet (announced as
   * SCHEDULE_TICK run requests); each goes to exactly one worker, which evaluates the schedule's
   * function at `scheduledAt` and reports.
   *
   * @example
   * ```ts
   * const ticks = await worker.claimScheduleTicks({ location: "sales", workerId });
   * ```
   */
  claimScheduleTicks(input: { location: string; workerId: string }): Promise<ClaimedScheduleTick[]>;

  /**
   * Answers a schedule function's tick with its run requests or skip reason
   * (`{ runRequests, skipReason }`; a request with every field null is the default run) or the
   * error it threw (`{ error: { name, message, stack } }`).
   *
   * @example
   * ```ts
   * await worker.reportScheduleTick({ location: "sales", tickId: tick.tickId, workerId, result: { runRequests: [{}] } });
   * ```
   */
  reportScheduleTick(input: { location: string; tickId: string; workerId: string; result: unknown }): Promise<ScheduleTickReport>;
}

type ReportField = { __typename: string; lastSeq?: number; status?: string; cancelRequested?: boolean; message?: string };

function toRunReport(result: ReportField): RunReport {
  if (result.__typename === "RunNotHeldError") return { held: false, message: result.message ?? "the worker no longer holds the run" };
  if (result.__typename !== "RunReport") throw errorFromUnionMember(result as unknown as StrataErrorFieldsFragment);
  return { held: true, lastSeq: result.lastSeq!, status: result.status!, cancelRequested: result.cancelRequested! };
}

/**
 * Creates the client a code location's worker uses to register, pull runs and report them
 * (what `serve()` in `@strata/definitions/runtime` runs on).
 *
 * @example
 * ```ts
 * import { createWorkerClient } from "@strata/sdk";
 *
 * const worker = createWorkerClient({ url: "http://localhost:4000/graphql", token: process.env.STRATA_TOKEN });
 * const run = await worker.claimRun({ location: "sales", workerId: "host-1:4242" });
 * ```
 */
export function createWorkerClient(options: ClientOptions): WorkerClient {
  const connection = createConnection(options);
  const { sdk, subscribeRoot } = connection;
  const locations = codeLocationMethods(connection);
  return {
    registerCodeLocation: locations.registerCodeLocation,
    reportCodeLocationHeartbeat: locations.reportCodeLocationHeartbeat,
    reportCodeLocationLoadError: locations.reportCodeLocationLoadError,
    async claimRun({ signal, ...input }) {
      const { claimRun } = await sdk.WorkerClaimRun(input, undefined, signal);
      return unwrapResult(claimRun, "ClaimRunResult").run;
    },
    async heartbeatRun(input) {
      return toRunReport((await sdk.WorkerHeartbeatRun(input)).heartbeatRun);
    },
    async reportRunEvents(input) {
      const { events, ...rest } = input;
      // One JSON array (RunEventBatch): the server checks it once instead of coercing every field.
      return toRunReport((await sdk.WorkerReportRunEvents({ ...rest, batch: [...events] })).reportRunEvents);
    },
    async claimSensorTicks(input) {
      return (await sdk.WorkerClaimSensorTicks(input)).claimSensorTicks;
    },
    async reportSensorTick(input) {
      return unwrapResult((await sdk.WorkerReportSensorTick(input)).reportSensorTick, "SensorTickReport");
    },
    async claimScheduleTicks(input) {
      return (await sdk.WorkerClaimScheduleTicks(input)).claimScheduleTicks;
    },
    async reportScheduleTick(input) {
      return unwrapResult((await sdk.WorkerReportScheduleTick(input)).reportScheduleTick, "ScheduleTickReport");
    },
    runRequests(location, subscribeOptions = {}) {
      return subscribeRoot<WorkerRunRequestsSubscription>(WorkerRunRequestsDocument, { location }, subscribeOptions);
    },
  };
}
