import { PartitionKeyRangeRef } from "./partitions.js";
import { isTerminalRunStatus } from "@strata/protocol";
import { builder } from "../builder.js";
import { requireScope } from "../auth/principal.js";
import { assertStillAuthorized, knownAuthorized } from "../auth/revocation.js";
import { requireLocationScope } from "../catalog/location-name.js";
import type { Context } from "../context.js";
import { EventOutsidePlanError, InvalidArgumentError, NotFoundError, RunEventSequenceError, RunNotHeldError } from "../errors.js";
import { claimRun, MAX_LEASE_SECONDS, parseLeaseSeconds, type ClaimedRun } from "../runs/claim.js";
import { reportRunEvents, type ReportResult } from "../runs/report.js";
import { rememberClaimedRun, runLocation } from "../runs/run-facts.js";
import { guardSubscription } from "../pubsub/guarded-subscription.js";
import { serverTracing } from "../tracing/tracing.js";
import { ReexecutionStrategyEnum } from "./run.js";
import { RunStatusEnum, type RunStatusValue } from "./run-status.js";

/*
 * What a code location's workers call. Every field requires `location:<name>` for the run's
 * location: a team's token can only pull and report its own location's runs.
 */

const ReusedOutputRef = builder.objectRef<ClaimedRun["plan"]["reusedOutputs"][number]>("ReusedOutput").implement({
  description: "An output a re-execution loads instead of recomputing, and the run that stored it.",
  fields: (t) => ({ stepKey: t.exposeString("stepKey"), output: t.exposeString("output"), runId: t.exposeString("runId") }),
});

const ClaimedRunRef = builder.objectRef<ClaimedRun>("ClaimedRun").implement({
  description: "A run a worker now holds: execute exactly these steps, then report RUN_SUCCESS, RUN_FAILURE or RUN_CANCELED.",
  fields: (t) => ({
    id: t.exposeID("id"),
    stepKeys: t.stringList({ resolve: (r) => r.plan.stepKeys }),
    assetKeys: t.stringList({ resolve: (r) => r.plan.assetKeys }),
    reusedOutputs: t.field({ type: [ReusedOutputRef], resolve: (r) => r.plan.reusedOutputs }),
    parentRunId: t.exposeString("parentRunId", { nullable: true }),
    rootRunId: t.exposeString("rootRunId", { nullable: true }),
    strategy: t.field({ type: ReexecutionStrategyEnum, nullable: true, resolve: (r) => r.strategy as "FROM_FAILURE" | null }),
    tags: t.field({ type: "JSON", resolve: (r) => r.tags }),
    leaseExpiresAt: t.expose("leaseExpiresAt", { type: "DateTime" }),
    partitionKey: t.exposeString("partitionKey", {
      nullable: true,
      description: "The partition to materialize, for a single-partition run.",
    }),
    partitionRange: t.field({
      type: PartitionKeyRangeRef,
      nullable: true,
      description: "The first and last partitions to materialize, for a range run.",
      resolve: (r) =>
        r.partitionRangeStart !== null && r.partitionRangeEnd !== null ? { from: r.partitionRangeStart, to: r.partitionRangeEnd } : null,
    }),
    lastEventSeq: t.int({
      description:
        "The events the server stored with the claim: the run's RUN_START, seq 1. The worker's events continue from the next seq; its executor's own RUN_START is a resend the server ignores.",
      resolve: (r) => r.startEvent.seq,
    }),
    traceparent: t.exposeString("traceparent", {
      nullable: true,
      description:
        "The W3C trace context of the request that launched the run, when the server traces (OTEL_EXPORTER_OTLP_ENDPOINT): the worker's run trace links to it.",
    }),
  }),
});

const ClaimRunResultRef = builder.objectRef<{ run: ClaimedRun | null }>("ClaimRunResult").implement({
  fields: (t) => ({
    run: t.field({ type: ClaimedRunRef, nullable: true, description: "Null when no run is waiting.", resolve: (r) => r.run }),
  }),
});

const RunReportRef = builder.objectRef<ReportResult>("RunReport").implement({
  fields: (t) => ({
    lastSeq: t.exposeInt("lastSeq", { description: "Every event up to this seq is stored; drop it from any resend buffer." }),
    status: t.field({ type: RunStatusEnum, resolve: (r) => r.status as RunStatusValue }),
    cancelRequested: t.exposeBoolean("cancelRequested", { description: "Terminate was asked: abort the run." }),
  }),
});

const RunEventInput = builder.inputType("RunEventInput", {
  description: "One event as the executor emits it.",
  fields: (t) => ({
    seq: t.int({ required: true }),
    type: t.string({ required: true }),
    timestamp: t.float({ required: true, description: "Milliseconds since the epoch." }),
    stepKey: t.string(),
    assetKey: t.string(),
    level: t.string(),
    message: t.string(),
    payload: t.field({ type: "JSON" }),
  }),
});

/** The run's location, which the caller's token must be scoped to: workers call it on every report and heartbeat. */
async function requireRunLocation(ctx: Context, runId: string): Promise<string> {
  const location = /^[0-9a-f-]{36}$/i.test(runId) ? await runLocation(ctx.db.sql, runId) : null;
  if (location === null) throw new NotFoundError("run", runId);
  requireScope(ctx.principal, `location:${location}`);
  return location;
}

export const MAX_CLAIM_WAIT_SECONDS = 60;

/**
 * Claims at once, or, given time, waits for the location's next RUN_AVAILABLE and claims then.
 * It listens before its first attempt, so a run started in between is not missed. While it
 * waits, a launch of its location on this server may hand it the run it stores (ClaimDesk): the
 * run is then claimed by the launch's statement. A worker that hung up while its claim succeeded
 * would hold a run it never heard of until the lease ran out; such a claim is handed back at once
 * instead. A token revoked while it waits claims nothing more (a launch hands a run only to a
 * worker whose token is known valid, as a request's authentication knows it).
 */
async function claimWaiting(ctx: Context, input: Parameters<typeof claimRun>[1], waitMs: number): Promise<ClaimedRun | null> {
  const signal = ctx.request.signal;
  const announcements = waitMs > 0 ? await ctx.pubsub.listen("runRequests", input.location) : null;
  const deadline = Date.now() + waitMs;
  // One reader of the announcements at a time: a wait a launch cut short leaves its read pending,
  // and the next wait shares it (a second reader would miss what the first one took).
  let available: Promise<void> | null = null;
  const nextAvailable = (announced: AsyncIterator<{ kind: string }>) =>
    (available ??= (async () => {
      for (let next = await announced.next(); !next.done && next.value.kind !== "RUN_AVAILABLE"; next = await announced.next());
      available = null;
    })());
  try {
    for (;;) {
      if (signal.aborted) return null;
      // The request was authenticated when it arrived, maybe a minute ago.
      if (announcements) await assertStillAuthorized(ctx.db.sql, ctx.principal);
      const run = await claimRun(ctx.db.sql, input);
      if (run || !announcements || Date.now() >= deadline) return await unlessGone(ctx, run, input);
      const handed = await ctx.runs.claims.wait(
        input.location,
        input,
        () => !signal.aborted && knownAuthorized(ctx.db.sql, ctx.principal),
        nextAnnouncement(nextAvailable(announcements), deadline, signal),
      );
      if (handed) return await unlessGone(ctx, handed, input);
    }
  } finally {
    await announcements?.return?.();
  }
}

/** `run`, or null when its worker hung up meanwhile: the run is handed back (releaseClaim). */
async function unlessGone(ctx: Context, run: ClaimedRun | null, input: { location: string; workerId: string }): Promise<ClaimedRun | null> {
  if (!run || !ctx.request.signal.aborted) return run;
  await releaseClaim(ctx, run.id, input);
  return null;
}

/** Resolves at the next RUN_AVAILABLE (`available`), at the deadline, or when the worker hangs up. */
async function nextAnnouncement(available: Promise<void>, deadline: number, signal: AbortSignal): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  let hungUp: (() => void) | undefined;
  await Promise.race([
    available,
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
      hungUp = () => resolve();
      signal.addEventListener("abort", hungUp, { once: true });
    }),
  ]);
  clearTimeout(timer);
  // A long poll waits many times (each run announced, each launch that kept its run): one listener at a time.
  signal.removeEventListener("abort", hungUp!);
}

/** Hands an unheard claim back: the run is STARTING again, without the RUN_START the claim stored. */
async function releaseClaim(ctx: Context, runId: string, input: { location: string; workerId: string }): Promise<void> {
  await ctx.db.sql.query(
    `WITH released AS (
       UPDATE "Run" SET status = 'STARTING', "workerId" = NULL, "startedAt" = NULL, "leaseExpiresAt" = NULL, "lastEventSeq" = 0
       WHERE id = $1 AND "workerId" = $2 AND status = 'STARTED' AND "lastEventSeq" = 1 RETURNING id)
     DELETE FROM "RunEvent" e USING released r WHERE e."runId" = r.id AND e.seq = 1`,
    [runId, input.workerId],
  );
  ctx.pubsub.publish("runRequests", input.location, { kind: "RUN_AVAILABLE", runId });
}

const leaseArg = (t: Parameters<Parameters<typeof builder.mutationFields>[0]>[0]) =>
  t.arg.int({
    required: false,
    description: `Seconds the worker keeps the run without another heartbeat or report: 1 to ${MAX_LEASE_SECONDS} (default: the server's STRATA_RUN_LEASE_SECONDS).`,
  });

builder.mutationFields((t) => ({
  claimRun: t.field({
    type: ClaimRunResultRef,
    description:
      "Takes the next STARTING run of the location, if any. Each run is claimed by exactly one worker. With `waitSeconds`, an idle worker long-polls: the answer comes the moment a run is started for the location (or null when the time is up), without a round trip through the runRequests stream.",
    args: {
      location: t.arg.string({ required: true }),
      workerId: t.arg.string({ required: true }),
      leaseSeconds: leaseArg(t),
      waitSeconds: t.arg.int({ required: false, description: `0 (the default) to ${MAX_CLAIM_WAIT_SECONDS}.` }),
    },
    errors: {},
    resolve: async (_root, args, ctx) => {
      const location = requireLocationScope(ctx.principal, args.location, "location");
      const waitSeconds = args.waitSeconds ?? 0;
      if (!(waitSeconds >= 0 && waitSeconds <= MAX_CLAIM_WAIT_SECONDS)) {
        throw new InvalidArgumentError("waitSeconds", `must be from 0 to ${MAX_CLAIM_WAIT_SECONDS}`);
      }
      const input = { location, workerId: args.workerId, leaseSeconds: args.leaseSeconds ?? ctx.runs.config.leaseSeconds };
      const run = await serverTracing().span(
        "strata.run.claim",
        { "strata.location": location, "strata.worker_id": args.workerId },
        async (annotate) => {
          const claimed = await claimWaiting(ctx, input, waitSeconds * 1000);
          if (claimed) annotate({ "strata.run_id": claimed.id });
          return claimed;
        },
      );
      // Its worker reports next: the facts its reports are checked against are at hand.
      if (run) rememberClaimedRun(ctx.db.sql, run.id, location, run.plan);
      if (run) ctx.pubsub.publish("runEvents", run.id, { events: [run.startEvent] });
      if (run) ctx.pubsub.publish("runStatusChanged", { runId: run.id, status: "STARTED" });
      if (run) ctx.runs.metrics.runStarted(location, run.queuedSeconds);
      return { run };
    },
  }),
  heartbeatRun: t.field({
    type: RunReportRef,
    description: "Renews the worker's lease on a run and says whether it should stop.",
    args: { runId: t.arg.id({ required: true }), workerId: t.arg.string({ required: true }), leaseSeconds: leaseArg(t) },
    errors: { types: [NotFoundError, RunNotHeldError] },
    resolve: async (_root, args, ctx) => {
      const runId = String(args.runId);
      await requireRunLocation(ctx, runId);
      const leaseSeconds = parseLeaseSeconds(args.leaseSeconds ?? ctx.runs.config.leaseSeconds);
      const [row] = await ctx.db.sql.query<{ status: string; lastEventSeq: number }>(
        `UPDATE "Run" SET "lastHeartbeatAt" = now(), "leaseExpiresAt" = now() + make_interval(secs => $3)
         WHERE id = $1 AND "workerId" = $2 AND status IN ('STARTED', 'CANCELING') RETURNING status, "lastEventSeq"`,
        [runId, args.workerId, leaseSeconds],
      );
      if (!row) {
        const run = await ctx.db.prisma.run.findUniqueOrThrow({ where: { id: runId }, select: { status: true, workerId: true } });
        throw new RunNotHeldError(
          { runId, status: run.status },
          `Worker ${args.workerId} does not hold run ${runId} (status ${run.status}): stop executing it`,
        );
      }
      return { lastSeq: row.lastEventSeq, status: row.status, cancelRequested: row.status === "CANCELING" };
    },
  }),
  reportRunEvents: t.field({
    type: RunReportRef,
    description: "Stores a batch of a run's events (idempotent by seq) and renews the lease.",
    args: {
      runId: t.arg.id({ required: true }),
      workerId: t.arg.string({ required: true }),
      events: t.arg({
        type: [RunEventInput],
        required: false,
        description: "The events, as input objects. Give `events` or `batch`, not both.",
      }),
      batch: t.arg({
        type: "RunEventBatch",
        required: false,
        description: "The events as one JSON array: the same events, checked the same way, at a fraction of the cost for large reports.",
      }),
      leaseSeconds: leaseArg(t),
    },
    errors: { types: [NotFoundError, RunNotHeldError, RunEventSequenceError, EventOutsidePlanError] },
    resolve: async (_root, args, ctx) => {
      const runId = String(args.runId);
      const events = args.batch ?? args.events;
      if (!events || (args.batch && args.events))
        throw new InvalidArgumentError(args.batch ? "batch" : "events", "give `events` or `batch`, not both");
      const location = await requireRunLocation(ctx, runId);
      const attributes = { "strata.run_id": runId, "strata.location": location, "strata.events": events.length };
      const result = await serverTracing().span("strata.run.report", attributes, () =>
        reportRunEvents(
          ctx.db.sql,
          ctx.pubsub,
          {
            runId,
            workerId: args.workerId,
            events,
            leaseSeconds: args.leaseSeconds ?? ctx.runs.config.leaseSeconds,
            admitUpTo: ctx.runs.admitUpTo,
          },
          (committed) => ctx.runs.metrics.runReported(location, committed),
        ),
      );
      // A run's end frees a slot for the queue, unless it admitted the backfill runs it created:
      // then nothing else was queued, and a coordinator pass would only slow their claims.
      if (isTerminalRunStatus(result.status) && !result.admittedRuns) ctx.runs.kick();
      return result;
    },
  }),
}));

const RunRequestKind = builder.enumType("RunRequestKind", {
  values: ["RUN_AVAILABLE", "CANCEL_REQUESTED", "SENSOR_TICK", "SCHEDULE_TICK"] as const,
});

const RunRequestRef = builder
  .objectRef<{ kind: "RUN_AVAILABLE" | "CANCEL_REQUESTED" | "SENSOR_TICK" | "SCHEDULE_TICK"; runId: string }>("RunRequest")
  .implement({
    fields: (t) => ({
      kind: t.field({ type: RunRequestKind, resolve: (r) => r.kind }),
      runId: t.exposeID("runId", {
        description:
          "The run; for SENSOR_TICK, the sensor tick's id (take it with claimSensorTicks); for SCHEDULE_TICK, the schedule tick's id (claimScheduleTicks).",
      }),
    }),
  });

builder.subscriptionField("runRequests", (t) =>
  t.field({
    type: RunRequestRef,
    description:
      "Work for a location's workers, pushed the moment it exists: a run to claim, a run to cancel, or a sensor tick to evaluate.",
    args: { location: t.arg.string({ required: true }) },
    subscribe: (_root, args, ctx) => {
      const location = requireLocationScope(ctx.principal, args.location, "location");
      return guardSubscription(ctx, ctx.pubsub.subscribe("runRequests", location));
    },
    resolve: (request) => request,
  }),
);
