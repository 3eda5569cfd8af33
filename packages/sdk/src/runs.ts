import type { RunEventPayloads } from "@strata/protocol";
import type { ClientConnection } from "./client-connection.js";
import {
  RunEventsDocument,
  RunStatusChangedDocument,
  type ReexecutionStrategy as GeneratedReexecutionStrategy,
  type RunEventFieldsFragment,
  type RunEventType,
  type PlanRunQuery,
  type RunEventsSubscription,
  type RunFieldsFragment,
  type RunQuery,
  type RunStatus as GeneratedRunStatus,
  type RunStatusChangedSubscription,
} from "./generated/graphql.js";
import { toPage, type Page } from "./page.js";
import { unwrapResult, type Unwrapped } from "./result-union.js";
import { resumableSubscription, type StrataSubscription, type SubscribeOptions } from "./subscriptions/reconnecting-subscription.js";

/**
 * QUEUED → STARTING → STARTED → SUCCESS, FAILURE or CANCELED (CANCELING while its worker stops).
 *
 * @example
 * ```ts
 * const finished: RunStatus[] = ["SUCCESS", "FAILURE", "CANCELED"];
 * ```
 */
export type RunStatus = GeneratedRunStatus;

/**
 * What a re-execution runs again: FROM_FAILURE, FROM_ASSET_FAILURE, ALL_STEPS or SELECTED_STEPS (with step keys).
 *
 * @example
 * ```ts
 * const strategy: ReexecutionStrategy = "FROM_FAILURE";
 * ```
 */
export type ReexecutionStrategy = GeneratedReexecutionStrategy;

/**
 * A run: its status, selection, timing and the location executing it.
 *
 * @example
 * ```ts
 * const run: Run = await client.launchRun({ assetKeys: ["sales/orders"] });
 * console.log(run.id, run.status);
 * ```
 */
export type Run = RunFieldsFragment;

/**
 * One run with its steps, what it materialized, and its re-executions.
 *
 * @example
 * ```ts
 * const detail: RunDetail = await client.run(runId);
 * const failed = detail.steps.filter((s) => s.status === "FAILURE");
 * ```
 */
export type RunDetail = Unwrapped<RunQuery["run"], "Run">;

/**
 * One event of a run's log; `seq` numbers a run's events from 1, in order. Narrowing on `type`
 * types `payload` (the schemas of @strata/protocol, which the server validated it against).
 *
 * @example
 * ```ts
 * for await (const event of client.runEvents(runId)) {
 *   if (event.type === "STEP_FAILURE") console.error(event.stepKey, event.payload.error.message);
 * }
 * ```
 */
export type RunEvent<T extends RunEventType = RunEventType> = T extends RunEventType
  ? Omit<RunEventFieldsFragment, "type" | "payload"> & { type: T; payload: RunEventPayloads[T] }
  : never;

// The generated fragment types `type` and `payload` separately; the server pairs them.
const typed = (event: RunEventFieldsFragment) => event as RunEvent;

/**
 * A run changed status.
 *
 * @example
 * ```ts
 * for await (const change of client.runStatusChanged()) console.log(change.runId, change.status);
 * ```
 */
export type RunStatusChange = RunStatusChangedSubscription["runStatusChanged"];

/**
 * Filters of {@link RunMethods.runs}.
 *
 * @example
 * ```ts
 * const filter: RunsOptions = { status: ["FAILURE"], location: "sales", first: 20 };
 * ```
 */
export interface RunsOptions {
  status?: RunStatus[] | undefined;
  location?: string | undefined;
  /** Runs that selected this asset. */
  assetKey?: string | undefined;
  /** `name=value`. */
  tag?: string | undefined;
  first?: number | undefined;
  after?: string | null | undefined;
}

/**
 * What to launch: `launchRun`'s and `planRun`'s input.
 *
 * @example
 * ```ts
 * const input: LaunchRunInput = { assetKeys: ["web/daily_visits"], partition: "2024-01-05" };
 * ```
 */
export interface LaunchRunInput {
  /** The assets to materialize; may be left out when `checkKeys` names checks to run alone. */
  assetKeys?: string[] | undefined;
  /**
   * Checks to run (`<asset key>#<name>`): alone (each in its check step, on the asset's stored
   * value), or beside `assetKeys`. A check its asset evaluates in its own step cannot run alone
   * (`InvalidSelectionError` with reason CHECK_REQUIRES_MATERIALIZATION).
   */
  checkKeys?: string[] | undefined;
  /** Whether a run of assets evaluates their checks (default true). */
  includeChecks?: boolean | undefined;
  tags?: Record<string, string> | undefined;
  /** The partition to materialize (partitioned assets). */
  partition?: string | undefined;
  /** An inclusive range of partitions for one run. */
  partitionRange?: { from: string; to: string } | undefined;
  /**
   * Launch only the selected assets that are UNSYNCED or MISSING (of `partition`, for
   * partitioned ones), as Dagster's "Materialize unsynced"; a multi-asset that cannot be subset
   * runs whole. When every one is SYNCED nothing is launched: `InvalidSelectionError` with
   * reason NOTHING_UNSYNCED. Not with `checkKeys` or `partitionRange` (`InvalidArgumentError`).
   */
  unsyncedOnly?: boolean | undefined;
}

/**
 * A run as `launchRun` would queue it, not queued: see {@link RunMethods.planRun}.
 *
 * @example
 * ```ts
 * const { steps }: RunPlanPreview = await client.planRun({ assetKeys: ["sales/orders"] });
 * ```
 */
export type RunPlanPreview = Unwrapped<PlanRunQuery["planRun"], "RunPlanPreview">;

/**
 * The run methods of {@link StrataClient}.
 *
 * @example
 * ```ts
 * const runs: RunMethods = createClient({ url, token });
 * const { id } = await runs.launchRun({ assetKeys: ["sales/orders"] });
 * ```
 */
export interface RunMethods {
  /**
   * Queues a run of `assetKeys` and/or `checkKeys` (all of one code location); a run of assets
   * evaluates their checks unless `includeChecks` is false. Tags are strings, and
   * `strata/priority` (an integer) orders the queue. Throws `InvalidSelectionError` (with
   * `reason` and `keys`) for unknown keys, part of a multi-asset that must run whole, or keys
   * of several locations. Requires `launch`.
   *
   * @example
   * ```ts
   * const run = await client.launchRun({ assetKeys: ["sales/orders", "sales/revenue"], tags: { team: "finance" } });
   * for await (const event of client.runEvents(run.id)) console.log(event.seq, event.type, event.message ?? "");
   * ```
   */
  launchRun(input: LaunchRunInput): Promise<Run>;

  /**
   * The run `launchRun(input)` would queue — its steps in order (each after those it waits for),
   * assets, checks and partitions — planned by the server with the same code and discarded, or
   * the same typed error a launch would throw. What a launch dialog previews. Requires `read`.
   *
   * @example
   * ```ts
   * const plan = await client.planRun({ assetKeys: ["sales/orders", "sales/revenue"] });
   * for (const step of plan.steps) console.log(step.key, "after", step.upstreamStepKeys.join(", ") || "nothing");
   * ```
   */
  planRun(input: Omit<LaunchRunInput, "tags">): Promise<RunPlanPreview>;

  /**
   * One run by id, with its steps and materializations; `NotFoundError` for an unknown id.
   * Requires `read`.
   *
   * @example
   * ```ts
   * const run = await client.run(runId);
   * for (const step of run.steps) console.log(step.stepKey, step.status, step.attempts);
   * ```
   */
  run(id: string): Promise<RunDetail>;

  /**
   * Runs, newest first, one page at a time. Requires `read`.
   *
   * @example
   * ```ts
   * const { items } = await client.runs({ status: ["FAILURE"], location: "sales", first: 10 });
   * ```
   */
  runs(options?: RunsOptions): Promise<Page<Run>>;

  /**
   * Stops a run: a queued one is CANCELED at once, a started one is CANCELING until its worker
   * stops it. Throws `RunStatusError` for a finished run. Requires `launch`.
   *
   * @example
   * ```ts
   * const run = await client.terminateRun(runId);
   * console.log(run.status); // "CANCELED" or "CANCELING"
   * ```
   */
  terminateRun(runId: string): Promise<Run>;

  /**
   * Queues a child run of a finished run: FROM_FAILURE (failed and never-run steps and what is
   * downstream), FROM_ASSET_FAILURE (assets not materialized), ALL_STEPS, or SELECTED_STEPS (the
   * parent's steps in `stepKeys`, e.g. `["report.total"]`: one op of a graph asset). Throws
   * `NothingToReexecuteError` when there is nothing to run again, `RunStatusError` for a run
   * still running, `InvalidArgumentError` for step keys the parent did not run. Requires `launch`.
   *
   * @example
   * ```ts
   * const retry = await client.reexecuteRun({ runId, strategy: "FROM_FAILURE" });
   * console.log(retry.parentRunId === runId);
   * ```
   */
  reexecuteRun(input: {
    runId: string;
    strategy: ReexecutionStrategy;
    stepKeys?: readonly string[] | undefined;
    extraTags?: Record<string, string> | undefined;
  }): Promise<Run>;

  /**
   * A page of a run's stored log, in order: the events with seq > `after` (default 0), at
   * most `first` (default 1,000, up to 10,000). Unlike {@link RunMethods.runEvents} it never
   * waits for more, so it suits reading the log of a run that may still be going; `run(id)`
   * gives `lastEventSeq`, to read only the tail. `NotFoundError` for an unknown id. Requires
   * `read`.
   *
   * @example
   * ```ts
   * const { lastEventSeq } = await client.run(runId);
   * const tail = await client.runLog(runId, { after: Math.max(0, lastEventSeq - 10) });
   * ```
   */
  runLog(runId: string, options?: { after?: number | undefined; first?: number | undefined }): Promise<RunEvent[]>;

  /**
   * A run's log: the events stored so far, then live ones as its worker reports them; the loop
   * ends after the run's last event. A dropped connection resumes after the last event
   * delivered, so every event arrives exactly once and in order. `after` skips the events up
   * to that seq. Requires `read`.
   *
   * @example
   * ```ts
   * for await (const event of client.runEvents(run.id)) {
   *   console.log(`${event.seq} ${event.type} ${event.stepKey ?? ""} ${event.message ?? ""}`);
   * }
   * ```
   */
  runEvents(runId: string, options?: SubscribeOptions & { after?: number }): StrataSubscription<RunEvent>;

  /**
   * Each status change of one run (`runId`), or of every run. Changes while disconnected are
   * not replayed: read `run(id)` after a reconnection (`onStatus`). Requires `read`.
   *
   * @example
   * ```ts
   * for await (const change of client.runStatusChanged({ runId })) {
   *   if (["SUCCESS", "FAILURE", "CANCELED"].includes(change.status)) break;
   * }
   * ```
   */
  runStatusChanged(options?: SubscribeOptions & { runId?: string }): StrataSubscription<RunStatusChange>;
}

export function runMethods({ sdk, endpoint, reconnect, subscribeRoot }: ClientConnection): RunMethods {
  return {
    async launchRun(input) {
      const { launchRun } = await sdk.LaunchRun({ ...selectionVariables(input), tags: input.tags });
      return unwrapResult(launchRun, "Run");
    },
    async planRun(input) {
      const { planRun } = await sdk.PlanRun(selectionVariables(input));
      return unwrapResult(planRun, "RunPlanPreview");
    },
    async run(id) {
      return unwrapResult((await sdk.Run({ id })).run, "Run");
    },
    async runs(options = {}) {
      return toPage((await sdk.Runs(options)).runs);
    },
    async terminateRun(runId) {
      return unwrapResult((await sdk.TerminateRun({ runId })).terminateRun, "Run");
    },
    async reexecuteRun({ stepKeys, ...input }) {
      return unwrapResult((await sdk.ReexecuteRun({ ...input, stepKeys: stepKeys ? [...stepKeys] : undefined })).reexecuteRun, "Run");
    },
    async runLog(runId, options = {}) {
      const run = unwrapResult((await sdk.RunLog({ id: runId, after: options.after, first: options.first })).run, "Run");
      return run.events.map(typed);
    },
    runEvents(runId, options = {}) {
      const { after, ...subscribeOptions } = options;
      return resumableSubscription(
        endpoint,
        {
          document: RunEventsDocument,
          variables: (cursor) => ({ runId, after: cursor ?? 0 }),
          select: (data) => typed((data as RunEventsSubscription).runEvents),
          cursorOf: (event) => event.seq,
          after: after ?? null,
        },
        { ...reconnect, ...subscribeOptions },
      );
    },
    runStatusChanged(options = {}) {
      const { runId, ...subscribeOptions } = options;
      return subscribeRoot<RunStatusChangedSubscription>(RunStatusChangedDocument, { runId: runId ?? null }, subscribeOptions);
    },
  };
}

/** What launchRun and planRun send of their input, named one by one: the object passed may carry more. */
function selectionVariables(input: Omit<LaunchRunInput, "tags">) {
  return {
    assetKeys: input.assetKeys ?? [],
    checkKeys: input.checkKeys,
    includeChecks: input.includeChecks,
    partition: input.partition,
    partitionRange: input.partitionRange,
    unsyncedOnly: input.unsyncedOnly,
  };
}
