import { STEP_STATUSES } from "@strata/protocol";
import { queryFromInfo } from "@pothos/plugin-prisma";
import { readChanges } from "../pubsub/guarded-subscription.js";
import { builder } from "../builder.js";
import { lookupQueryField, orNotFound } from "./lookup-field.js";
import { describedEnum } from "./described-enum.js";
import { principalName, requireScope } from "../auth/principal.js";
import { parseAssetKey } from "../catalog/asset-key.js";
import {
  AssetNotPartitionedError,
  InvalidArgumentError,
  InvalidSelectionError,
  NothingToReexecuteError,
  NotFoundError,
  PartitionKeysNotFoundError,
  RunStatusError,
} from "../errors.js";
import { PartitionKeyRangeInput, PartitionKeyRangeRef } from "./partitions.js";
import type { Context } from "../context.js";
import { launchRun } from "../runs/launch.js";
import type { ManifestCache } from "../runs/manifest-cache.js";
import { type PlannedStep, previewRun, type RunPlanPreview } from "../runs/plan-preview.js";
import { reexecuteRun } from "../runs/reexecute.js";
import { readRunEvents } from "../runs/run-events.js";
import { readPlan } from "../runs/run-plan.js";
import { terminateRun } from "../runs/terminate.js";
import { RunEventRef } from "./run-event.js";
import { RunStatusEnum, type RunStatusValue } from "./run-status.js";

export const ReexecutionStrategyEnum = describedEnum("ReexecutionStrategy", {
  FROM_FAILURE: "Failed, interrupted and never-started steps, and everything downstream of them.",
  FROM_ASSET_FAILURE: "The assets that were not materialized.",
  ALL_STEPS: "The parent's whole selection.",
  SELECTED_STEPS:
    "Exactly the parent's steps named in `stepKeys` (one op of a graph asset, say); every other input loads from the runs that stored it.",
});

const StepStatusEnum = builder.enumType("StepStatus", {
  values: STEP_STATUSES,
});

builder.prismaObject("RunStep", {
  description: "One step of a run, folded from its events.",
  fields: (t) => ({
    stepKey: t.exposeString("stepKey"),
    status: t.field({ type: StepStatusEnum, resolve: (s) => s.status }),
    attempts: t.exposeInt("attempts", { description: "1 + the retries taken." }),
    startedAt: t.expose("startedAt", { type: "DateTime", nullable: true }),
    endedAt: t.expose("endedAt", { type: "DateTime", nullable: true }),
    error: t.expose("error", { type: "JSON", nullable: true, description: "The last error: { name, message, stack, cause }." }),
  }),
});

export const RunRef = builder.prismaObject("Run", {
  description: "A run of a selection of one code location's assets.",
  // Only what a query asks for is read: each field selects its columns (exposed ones do so
  // themselves). Without this every read loaded all of Run's columns, the selection's keys
  // (10,000 on a large run) and the plan included, whatever the query asked.
  select: { id: true },
  fields: (t) => ({
    id: t.exposeID("id"),
    status: t.field({ type: RunStatusEnum, select: { status: true }, resolve: (r) => r.status }),
    location: t.relation("location"),
    assetKeys: t.exposeStringList("selection", { description: "The assets this run materializes." }),
    stepKeys: t.stringList({ select: { plan: true }, resolve: (r) => readPlan(r.plan).stepKeys }),
    tags: t.field({ type: "JSON", select: { tags: true }, resolve: (r) => r.tags }),
    priority: t.exposeInt("priority"),
    parentRunId: t.exposeString("parentRunId", { nullable: true }),
    rootRunId: t.exposeString("rootRunId", { nullable: true }),
    parentRun: t.relation("parentRun", { nullable: true }),
    childRuns: t.relation("childRuns", { query: { orderBy: { createdAt: "asc" } } }),
    reexecutionStrategy: t.field({
      type: ReexecutionStrategyEnum,
      nullable: true,
      select: { reexecutionStrategy: true },
      resolve: (r) => r.reexecutionStrategy,
    }),
    workerId: t.exposeString("workerId", { nullable: true }),
    createdBy: t.exposeString("createdBy", { nullable: true }),
    failureReason: t.exposeString("failureReason", { nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    startingAt: t.expose("startingAt", { type: "DateTime", nullable: true }),
    startedAt: t.expose("startedAt", { type: "DateTime", nullable: true }),
    endedAt: t.expose("endedAt", { type: "DateTime", nullable: true }),
    eventsPurgedAt: t.expose("eventsPurgedAt", {
      type: "DateTime",
      nullable: true,
      description:
        "When retention (STRATA_RETENTION_RUN_EVENTS_DAYS) deleted the run's log: LOG, step start and retry, and run end events. Its status, steps, materializations, check results and what re-execution needs are kept. Null: every event is kept.",
    }),
    durationMs: t.float({
      nullable: true,
      description: "From start to end (or to now, while it runs).",
      select: { startedAt: true, endedAt: true },
      resolve: (r) => (r.startedAt ? (r.endedAt ?? new Date()).getTime() - r.startedAt.getTime() : null),
    }),
    lastEventSeq: t.exposeInt("lastEventSeq"),
    steps: t.relation("steps", { query: { orderBy: { stepKey: "asc" } } }),
    materializations: t.prismaField({
      type: ["Materialization"],
      resolve: (query, run, _args, ctx) =>
        ctx.db.prisma.materialization.findMany({ ...query, where: { runId: run.id }, orderBy: { id: "asc" } }),
    }),
    events: t.field({
      type: [RunEventRef],
      description: "The run's log in order: events with seq > `after`, at most `first`.",
      args: { after: t.arg.int({ defaultValue: 0 }), first: t.arg.int({ defaultValue: 1000 }) },
      resolve: (run, args, ctx) => {
        const first = args.first ?? 1000;
        if (first < 1 || first > 10_000) throw new InvalidArgumentError("first", "must be from 1 to 10,000");
        return readRunEvents(ctx.db.sql, run.id, args.after ?? 0, first);
      },
    }),
  }),
});

builder.prismaObjectFields("Run", (t) => ({
  rootRun: t.field({
    type: RunRef,
    nullable: true,
    select: { rootRunId: true },
    resolve: (run, _args, ctx, info) =>
      run.rootRunId
        ? ctx.db.prisma.run.findUnique({ ...queryFromInfo({ context: ctx, info, typeName: "Run" }), where: { id: run.rootRunId } })
        : null,
  }),
}));

builder.prismaObjectFields("Asset", (t) => ({
  latestRun: t.field({
    type: RunRef,
    nullable: true,
    description: "The most recent run that selected this asset.",
    resolve: (asset, _args, ctx, info) =>
      ctx.db.prisma.run.findFirst({
        ...queryFromInfo({ context: ctx, info, typeName: "Run" }),
        where: { selection: { has: asset.key } },
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      }),
  }),
}));

function runOrNotFound(ctx: Context, query: object, id: string) {
  return orNotFound("run", id, ctx.db.prisma.run.findUnique({ ...query, where: { id } }));
}

const RUN_ID = /^[0-9a-f-]{36}$/i;
function parseRunId(id: string | number): string {
  const value = String(id);
  if (!RUN_ID.test(value)) throw new InvalidArgumentError("runId", `"${value.slice(0, 80)}" is not a run id`);
  return value;
}

lookupQueryField("run", { type: "Run", arg: "id", parse: parseRunId, load: runOrNotFound });

builder.queryFields((t) => ({
  runs: t.prismaConnection({
    type: "Run",
    cursor: "id",
    description: "Runs, newest first.",
    args: {
      status: t.arg({ type: [RunStatusEnum], required: false }),
      tag: t.arg.string({ required: false, description: '"name=value".' }),
      assetKey: t.arg.string({ required: false, description: "Runs that selected this asset." }),
      location: t.arg.string({ required: false }),
    },
    resolve: (query, _root, args, ctx) => {
      requireScope(ctx.principal, "read");
      if (args.tag && !args.tag.includes("=")) throw new InvalidArgumentError("tag", 'use "name=value"');
      return ctx.db.prisma.run.findMany({
        ...query,
        where: {
          ...(args.status?.length && { status: { in: args.status } }),
          ...(args.tag && { tagPairs: { has: args.tag } }),
          ...(args.assetKey && { selection: { has: parseAssetKey(args.assetKey, "assetKey") } }),
          ...(args.location && { location: { name: args.location } }),
        },
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      });
    },
  }),
}));

/** The arguments of launchRun, which planRun takes too. */
const launchArgs = builder.args((t) => ({
  assetKeys: t.stringList({ required: false, defaultValue: [] }),
  checkKeys: t.stringList({
    required: false,
    description: 'Checks to run ("<asset key>#<name>"): alone, or beside the assets selected.',
  }),
  includeChecks: t.boolean({
    required: false,
    defaultValue: true,
    description: "Whether a run of assets evaluates their checks (those an asset evaluates in its own step always are).",
  }),
  tags: t.field({ type: "JSON", required: false }),
  partition: t.string({ required: false, description: "The partition to materialize, for partitioned assets." }),
  partitionRange: t.field({
    type: PartitionKeyRangeInput,
    required: false,
    description: "An inclusive range of partitions for one run to materialize (its function sees the range).",
  }),
  unsyncedOnly: t.boolean({
    required: false,
    defaultValue: false,
    description:
      'Narrows the selection to its assets whose syncStatus (of `partition`, for partitioned ones) is UNSYNCED or MISSING, as Dagster\'s "Materialize unsynced"; a multi-asset that cannot be subset runs whole. Every one SYNCED: InvalidSelectionError NOTHING_UNSYNCED, and nothing is launched. Not with `checkKeys` or a `partitionRange` (InvalidArgumentError).',
  }),
}));

/** launchRun's and planRun's arguments (launchArgs), as launch.ts takes them: no assetKeys is none. */
function launchInput<Args extends { assetKeys?: string[] | null }>(args: Args) {
  return { ...args, assetKeys: args.assetKeys ?? [] };
}

const PlannedStepRef = builder.objectRef<PlannedStep>("PlannedStep").implement({
  description: "A step a run would execute.",
  fields: (t) => ({
    key: t.exposeString("key"),
    kind: t.exposeString("kind", { description: "asset, multi_asset, op (a graph asset's) or check." }),
    assetKeys: t.exposeStringList("assetKeys", { description: "The assets it materializes." }),
    upstreamStepKeys: t.exposeStringList("upstreamStepKeys", { description: "Steps of the same run it waits for." }),
  }),
});

const RunPlanPreviewRef = builder.objectRef<RunPlanPreview>("RunPlanPreview").implement({
  description: "What launchRun with the same arguments would queue: planned by the same code, then discarded.",
  fields: (t) => ({
    location: t.exposeString("location", { description: "The code location that would run it." }),
    assetKeys: t.exposeStringList("assetKeys"),
    checkKeys: t.exposeStringList("checkKeys"),
    partitionKey: t.exposeString("partitionKey", { nullable: true }),
    partitionRange: t.field({ type: PartitionKeyRangeRef, nullable: true, resolve: (p) => p.partitionRange }),
    steps: t.field({ type: [PlannedStepRef], description: "Each after the steps it waits for.", resolve: (p) => p.steps }),
  }),
});

builder.queryField("planRun", (t) =>
  t.field({
    type: RunPlanPreviewRef,
    description:
      "The run launchRun would queue with these arguments — its steps in order, its assets, checks and partitions — or the same typed refusal, without queuing anything: a launch dialog's preview. Requires `read`.",
    errors: { types: [InvalidSelectionError, PartitionKeysNotFoundError, AssetNotPartitionedError] },
    args: launchArgs,
    resolve: (_root, args, ctx) => {
      requireScope(ctx.principal, "read");
      return previewRun(ctx.db.sql, ctx.runs.manifests, launchInput(args));
    },
  }),
);

builder.mutationFields((t) => ({
  launchRun: t.prismaField({
    type: "Run",
    description:
      "Queues a run of these assets and/or checks (all of one code location). A run of assets evaluates their checks unless `includeChecks` is false; `checkKeys` alone runs those checks' own steps on the assets' stored values. Tags are strings; `strata/priority` (an integer) orders the queue. Requires `launch`.",
    errors: { types: [InvalidSelectionError, PartitionKeysNotFoundError, AssetNotPartitionedError] },
    args: launchArgs,
    resolve: (_query, _root, args, ctx) =>
      queueRun(ctx, (sql, manifests, createdBy, admitUpTo) =>
        launchRun(sql, manifests, { ...launchInput(args), createdBy }, admitUpTo, undefined, true, ctx.runs.claims),
      ),
  }),
  reexecuteRun: t.prismaField({
    type: "Run",
    description:
      "Queues a child run of a finished run, following `strategy` (with SELECTED_STEPS, the parent's steps in `stepKeys`). Requires `launch`.",
    errors: { types: [NotFoundError, RunStatusError, NothingToReexecuteError] },
    args: {
      runId: t.arg.id({ required: true }),
      strategy: t.arg({ type: ReexecutionStrategyEnum, required: true }),
      stepKeys: t.arg.stringList({ required: false, description: "With SELECTED_STEPS: the parent's steps to run again." }),
      extraTags: t.arg({ type: "JSON", required: false }),
    },
    resolve: (_query, _root, args, ctx) =>
      queueRun(ctx, (sql, manifests, createdBy, admitUpTo) =>
        reexecuteRun(
          sql,
          manifests,
          { runId: parseRunId(args.runId), strategy: args.strategy, stepKeys: args.stepKeys, extraTags: args.extraTags, createdBy },
          admitUpTo,
          ctx.runs.claims,
        ),
      ),
  }),
  terminateRun: t.prismaField({
    type: "Run",
    description:
      "QUEUED or STARTING: CANCELED at once. STARTED: CANCELING until its worker stops it. Finished: RunStatusError. Requires `launch`.",
    errors: { types: [NotFoundError, RunStatusError] },
    args: { runId: t.arg.id({ required: true }) },
    resolve: async (query, _root, args, ctx) => {
      requireScope(ctx.principal, "launch");
      const id = parseRunId(args.runId);
      const status = await terminateRun(ctx.db.sql, ctx.pubsub, id, principalName(ctx.principal), ctx.runs.metrics);
      if (status === "CANCELED") ctx.runs.kick();
      return runOrNotFound(ctx, query, id);
    },
  }),
}));

type QueuedRun = Awaited<ReturnType<typeof launchRun>>;

/**
 * launchRun or reexecuteRun (`queue`, given the database, the manifest cache, who asks and the
 * admission limit) with the `launch` scope; the run is announced to workers and its row answered:
 * the row just written answers the usual selection, Pothos loads any relation asked for.
 */
async function queueRun(
  ctx: Context,
  queue: (sql: Context["db"]["sql"], manifests: ManifestCache, createdBy: string, admitUpTo: number | null) => Promise<QueuedRun>,
): Promise<QueuedRun["row"]> {
  requireScope(ctx.principal, "launch");
  const run = await queue(ctx.db.sql, ctx.runs.manifests, principalName(ctx.principal), ctx.runs.admitUpTo);
  try {
    ctx.runs.announce(run);
  } finally {
    // Handed to a waiting worker: its claim answers now, after the STARTING the run passed through.
    run.handOff?.settle(run.claimed ?? null);
  }
  return run.row;
}

interface RunStatusChange {
  runId: string;
  status: string;
}

const RunStatusChangeRef = builder.objectRef<RunStatusChange>("RunStatusChange").implement({
  fields: (t) => ({
    runId: t.exposeString("runId"),
    status: t.field({ type: RunStatusEnum, resolve: (c) => c.status as RunStatusValue }),
    run: t.prismaField({
      type: "Run",
      resolve: (query, change, _args, ctx) => ctx.db.prisma.run.findUniqueOrThrow({ ...query, where: { id: change.runId } }),
    }),
  }),
});

builder.subscriptionField("runStatusChanged", (t) =>
  t.field({
    type: RunStatusChangeRef,
    description: "Each status change of one run (or of every run, without `runId`).",
    args: { runId: t.arg.id({ required: false }) },
    subscribe: (_root, args, ctx) => {
      const runId = args.runId ? String(args.runId) : null;
      return readChanges(ctx, "runStatusChanged", (change) => runId === null || change.runId === runId);
    },
    resolve: (change) => change,
  }),
);
