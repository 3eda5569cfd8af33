import { principalName, requireScope } from "../auth/principal.js";
import { cancelBackfill } from "../backfills/cancel.js";
import { launchBackfill } from "../backfills/launch.js";
import { assetStatuses, chunkCounts } from "../backfills/progress.js";
import { reexecuteBackfill } from "../backfills/reexecute.js";
import { resolveBackfill } from "../backfills/resolve.js";
import { builder } from "../builder.js";
import { lookupQueryField, orNotFound } from "./lookup-field.js";
import { describedEnum } from "./described-enum.js";
import type { Context } from "../context.js";
import {
  AssetNotPartitionedError,
  BackfillStatusError,
  InvalidArgumentError,
  InvalidSelectionError,
  NotFoundError,
  PartitionKeysNotFoundError,
} from "../errors.js";
import { readChanges } from "../pubsub/guarded-subscription.js";
import type { BackfillInput } from "../backfills/resolve.js";
import type { PlannedChunk } from "../backfills/plan.js";

const BackfillStatusEnum = describedEnum("BackfillStatus", {
  REQUESTED: "Its chunks are running or waiting for the chunks they depend on.",
  CANCELING: "Canceled while runs were going: CANCELED when the last of them ends.",
  CANCELED: "Canceled; nothing launches afterwards.",
  COMPLETED_SUCCESS: "Every chunk's run succeeded.",
  COMPLETED_FAILED: "Every chunk ended and some failed, were skipped (downstream of a failure) or canceled.",
});

const BackfillChunkStateEnum = describedEnum("BackfillChunkState", {
  WAITING: "Waits for the chunks it depends on to succeed.",
  READY: "Its dependencies succeeded (or it has none); its run is created as earlier runs of the backfill end (at most runsAhead at once).",
  LAUNCHED: "Its run exists: queued, starting or running.",
  SUCCEEDED: null,
  FAILED: null,
  SKIPPED: "Never launched: a chunk it depends on failed or was canceled.",
  CANCELED: null,
});

const BackfillFilterEnum = describedEnum("BackfillFilter", {
  ALL: "Every targeted partition.",
  MISSING: "Per asset, the partitions never materialized nor attempted (and not running).",
  FAILED_AND_MISSING: "Per asset, the missing partitions and those whose latest attempt failed.",
});

const BackfillReexecutionEnum = describedEnum("BackfillReexecution", {
  FROM_FAILURE: "A child backfill over exactly the (asset, partition) pairs the parent did not materialize.",
});

const LaunchBackfillInput = builder.inputType("LaunchBackfillInput", {
  description: "The assets (one code location, one partitions definition) and the partitions to fill: from/to, keys, or all.",
  fields: (t) => ({
    assetKeys: t.stringList({ required: true }),
    from: t.string({ required: false, description: "The first partition key (inclusive); default the first." }),
    to: t.string({ required: false, description: "The last partition key (inclusive); default the last." }),
    keys: t.stringList({ required: false }),
    all: t.boolean({ required: false }),
    only: t.field({ type: BackfillFilterEnum, required: false, description: "Default ALL." }),
    maxPartitionsPerRun: t.int({ required: false, description: "Overrides the assets' backfill policies." }),
    singleRun: t.boolean({ required: false, description: "One run per contiguous range; overrides the assets' backfill policies." }),
    tags: t.field({ type: "JSON", required: false, description: "Tags of every run (with strata/backfill=<id>)." }),
    title: t.string({ required: false }),
  }),
});

type ChunkView = Pick<PlannedChunk, "idx" | "assetKeys" | "startIndex" | "endIndex" | "startKey" | "endKey" | "dependsOn">;

// A planned run's fields, shared by the stored chunks and the preview's (which have no state or
// run yet): one interface, so the two cannot drift apart.
const BackfillChunkPlanRef = builder.interfaceRef<ChunkView>("BackfillChunkPlan").implement({
  description: "A run a backfill creates or would create: its assets over one contiguous range of partitions.",
  resolveType: (chunk) => ("state" in chunk ? "BackfillChunk" : "PlannedBackfillChunk"),
  fields: (t) => ({
    idx: t.exposeInt("idx"),
    assetKeys: t.exposeStringList("assetKeys"),
    startKey: t.exposeString("startKey"),
    endKey: t.exposeString("endKey"),
    startIndex: t.exposeInt("startIndex"),
    endIndex: t.exposeInt("endIndex"),
    partitionCount: t.int({ resolve: (c) => c.endIndex - c.startIndex + 1 }),
    dependsOn: t.exposeIntList("dependsOn", { description: "The idx of the chunks whose runs must succeed first." }),
  }),
});

builder.prismaObject("BackfillChunk", {
  description: "One planned run of a backfill, stored: its state and, once launched, its run.",
  interfaces: [BackfillChunkPlanRef],
  fields: (t) => ({
    state: t.field({ type: BackfillChunkStateEnum, resolve: (c) => c.state }),
    runId: t.exposeString("runId", { nullable: true }),
  }),
});

builder.objectRef<ChunkView>("PlannedBackfillChunk").implement({
  description: "A run a backfill would create (previewBackfill): nothing is stored.",
  interfaces: [BackfillChunkPlanRef],
  fields: () => ({}),
});

const ChunkCountsRef = builder.objectRef<Awaited<ReturnType<typeof chunkCounts>>>("BackfillChunkCounts").implement({
  description: "A backfill's planned runs (chunks) by state.",
  fields: (t) => ({
    waiting: t.exposeInt("waiting"),
    ready: t.exposeInt("ready", { description: "Chunks whose run is created as earlier runs end (see BackfillChunkState.READY)." }),
    launched: t.exposeInt("launched"),
    succeeded: t.exposeInt("succeeded"),
    failed: t.exposeInt("failed"),
    skipped: t.exposeInt("skipped"),
    canceled: t.exposeInt("canceled"),
  }),
});

const AssetBackfillStatusRef = builder.objectRef<Awaited<ReturnType<typeof assetStatuses>>[number]>("AssetBackfillStatus").implement({
  description:
    "One asset's partitions in a backfill. A succeeded chunk's partitions are materialized, a launched one's in progress, a skipped or never-launched canceled one's skipped; of a chunk whose run failed or was canceled, the partitions that run materialized count as materialized and the rest as failed when the asset's step ran, else skipped. Waiting chunks count in none.",
  fields: (t) => ({
    assetKey: t.exposeString("assetKey"),
    targeted: t.exposeInt("targeted"),
    materialized: t.exposeInt("materialized"),
    failed: t.exposeInt("failed"),
    inProgress: t.exposeInt("inProgress"),
    skipped: t.exposeInt("skipped"),
  }),
});

builder.prismaObject("Backfill", {
  description:
    "Partitions of one location's assets filled by many runs, planned as chunks; a chunk's run is created when its dependencies succeeded.",
  fields: (t) => ({
    id: t.exposeID("id"),
    status: t.field({ type: BackfillStatusEnum, resolve: (b) => b.status }),
    title: t.exposeString("title", { nullable: true }),
    assetKeys: t.exposeStringList("assetKeys"),
    only: t.field({ type: BackfillFilterEnum, resolve: (b) => b.only as "ALL" | "MISSING" | "FAILED_AND_MISSING" }),
    policy: t.field({ type: "JSON", description: "The policy its chunks were cut by.", resolve: (b) => b.policy }),
    tags: t.field({ type: "JSON", resolve: (b) => b.tags }),
    createdBy: t.exposeString("createdBy", { nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    endedAt: t.expose("endedAt", { type: "DateTime", nullable: true }),
    parentBackfillId: t.exposeString("parentBackfillId", { nullable: true }),
    runsAhead: t.exposeInt("runsAhead", { description: "How many of its chunks may have a run at once; the others wait READY." }),
    runCount: t.int({
      description: "The runs it creates in all (one per chunk), launched or not yet.",
      resolve: async (b, _args, ctx) =>
        (await ctx.db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "BackfillChunk" WHERE "backfillId" = $1`, [b.id]))[0]!.n,
    }),
    chunkCounts: t.field({ type: ChunkCountsRef, resolve: (b, _args, ctx) => chunkCounts(ctx.db.sql, b.id) }),
    assetStatuses: t.field({
      type: [AssetBackfillStatusRef],
      select: { assetKeys: true, target: true },
      resolve: (b, _args, ctx) => assetStatuses(ctx.db.sql, b as never),
    }),
    chunks: t.relation("chunks", {
      args: {
        first: t.arg.int({ defaultValue: 100 }),
        after: t.arg.int({ required: false, description: "An idx: chunks after it." }),
        state: t.arg({ type: BackfillChunkStateEnum, required: false }),
      },
      query: (args) => {
        const first = args.first ?? 100;
        if (first < 1 || first > 10_000) throw new InvalidArgumentError("first", "must be from 1 to 10,000");
        return {
          where: { ...(args.after != null && { idx: { gt: args.after } }), ...(args.state && { state: args.state }) },
          orderBy: { idx: "asc" as const },
          take: first,
        };
      },
    }),
    runs: t.prismaField({
      type: ["Run"],
      description: "Its runs created so far, in chunk order.",
      args: { first: t.arg.int({ defaultValue: 100 }) },
      resolve: (query, b, args, ctx) => {
        const first = args.first ?? 100;
        if (first < 1 || first > 10_000) throw new InvalidArgumentError("first", "must be from 1 to 10,000");
        return ctx.db.prisma.run.findMany({
          ...query,
          where: { backfillId: b.id },
          orderBy: [{ createdAt: "asc" }, { id: "asc" }],
          take: first,
        });
      },
    }),
  }),
});

builder.prismaObjectFields("Run", (t) => ({
  backfillId: t.exposeString("backfillId", { nullable: true, description: "The backfill that launched it." }),
}));

interface PreviewView {
  assetKeys: string[];
  policy: unknown;
  chunks: ChunkView[];
  targets: { assetKey: string; targeted: number }[];
}

const BackfillPreviewRef = builder.objectRef<PreviewView>("BackfillPreview").implement({
  description: "What launchBackfill would create with the same input; nothing was written.",
  fields: (t) => ({
    assetKeys: t.exposeStringList("assetKeys"),
    policy: t.field({ type: "JSON", resolve: (p) => p.policy }),
    runCount: t.int({ resolve: (p) => p.chunks.length }),
    chunks: t.field({
      type: [BackfillChunkPlanRef],
      args: { first: t.arg.int({ defaultValue: 100 }) },
      resolve: (p, args) => p.chunks.slice(0, Math.max(0, Math.min(args.first ?? 100, 10_000))),
    }),
    targeted: t.field({
      type: [
        builder.objectRef<{ assetKey: string; targeted: number }>("BackfillTarget").implement({
          fields: (f) => ({
            assetKey: f.exposeString("assetKey"),
            targeted: f.exposeInt("targeted", { description: "Partitions it would materialize." }),
          }),
        }),
      ],
      resolve: (p) => p.targets,
    }),
  }),
});

const BACKFILL_ERRORS = [InvalidSelectionError, PartitionKeysNotFoundError, AssetNotPartitionedError];

function backfillInput(input: typeof LaunchBackfillInput.$inferInput): BackfillInput {
  return { ...input, keys: input.keys ?? null };
}

function backfillOrNotFound(ctx: Context, query: object, id: string) {
  return orNotFound("backfill", id, ctx.db.prisma.backfill.findUnique({ ...query, where: { id } }));
}

lookupQueryField("backfill", { type: "Backfill", arg: "id", load: backfillOrNotFound });

builder.queryFields((t) => ({
  backfills: t.prismaConnection({
    type: "Backfill",
    cursor: "id",
    description: "Backfills, newest first.",
    args: { status: t.arg({ type: [BackfillStatusEnum], required: false }) },
    resolve: (query, _root, args, ctx) => {
      requireScope(ctx.principal, "read");
      return ctx.db.prisma.backfill.findMany({
        ...query,
        where: { ...(args.status?.length && { status: { in: args.status } }) },
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      });
    },
  }),
}));

builder.mutationFields((t) => ({
  launchBackfill: t.prismaField({
    type: "Backfill",
    description:
      "Plans and stores a backfill, and queues the runs of the chunks that wait for nothing, up to the server's STRATA_BACKFILL_RUNS_AHEAD (all in one transaction); the others get their runs as earlier runs end and as the runs they depend on succeed. Requires `launch`.",
    errors: { types: BACKFILL_ERRORS },
    args: { input: t.arg({ type: LaunchBackfillInput, required: true }) },
    resolve: async (query, _root, args, ctx) => {
      requireScope(ctx.principal, "launch");
      const { id, location } = await launchBackfill(ctx.db.sql, ctx.runs.manifests, {
        ...backfillInput(args.input),
        createdBy: principalName(ctx.principal),
        runsAhead: ctx.runs.config.backfillRunsAhead,
      });
      ctx.runs.metrics.backfillLaunched(location);
      ctx.runs.kick();
      ctx.pubsub.publish("backfillChanged", { backfillId: id });
      return backfillOrNotFound(ctx, query, id);
    },
  }),
  previewBackfill: t.field({
    type: BackfillPreviewRef,
    description: "The runs launchBackfill would create with this input; nothing is written. Requires `launch`.",
    errors: { types: BACKFILL_ERRORS },
    args: { input: t.arg({ type: LaunchBackfillInput, required: true }) },
    resolve: async (_root, args, ctx) => {
      requireScope(ctx.principal, "launch");
      const resolved = await resolveBackfill(ctx.db.sql, ctx.runs.manifests, backfillInput(args.input));
      return {
        assetKeys: resolved.assetKeys,
        policy: resolved.plan.policy,
        chunks: resolved.plan.chunks,
        targets: [...resolved.plan.targets].map(([assetKey, ranges]) => ({
          assetKey,
          targeted: ranges.reduce((n, r) => n + r.end - r.start + 1, 0),
        })),
      };
    },
  }),
  cancelBackfill: t.prismaField({
    type: "Backfill",
    description:
      "CANCELING; its queued runs CANCELED at once, started ones terminated, waiting chunks CANCELED; CANCELED when its last run ends. Requires `launch`.",
    errors: { types: [NotFoundError, BackfillStatusError] },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (query, _root, args, ctx) => {
      requireScope(ctx.principal, "launch");
      await cancelBackfill(ctx.db.sql, ctx.pubsub, String(args.id), principalName(ctx.principal), ctx.runs.metrics);
      ctx.runs.kick();
      return backfillOrNotFound(ctx, query, String(args.id));
    },
  }),
  reexecuteBackfill: t.prismaField({
    type: "Backfill",
    description: "A child backfill of a finished one, following `strategy`. Requires `launch`.",
    errors: { types: [NotFoundError, BackfillStatusError, ...BACKFILL_ERRORS] },
    args: { id: t.arg.id({ required: true }), strategy: t.arg({ type: BackfillReexecutionEnum, required: true }) },
    resolve: async (query, _root, args, ctx) => {
      requireScope(ctx.principal, "launch");
      const { id, location } = await reexecuteBackfill(ctx.db.sql, ctx.runs.manifests, {
        id: String(args.id),
        createdBy: principalName(ctx.principal),
      });
      ctx.runs.metrics.backfillLaunched(location);
      ctx.runs.kick();
      ctx.pubsub.publish("backfillChanged", { backfillId: id });
      return backfillOrNotFound(ctx, query, id);
    },
  }),
}));

builder.subscriptionField("backfillChanged", (t) =>
  t.prismaField({
    type: "Backfill",
    description: "The backfill each time its chunks or status change (a run of it ends, it is launched or canceled).",
    args: { id: t.arg.id({ required: true }) },
    subscribe: (_root, args, ctx) => readChanges(ctx, "backfillChanged", (change) => change.backfillId === String(args.id)),
    resolve: (query, change, _args, ctx) =>
      ctx.db.prisma.backfill.findUniqueOrThrow({ ...query, where: { id: (change as { backfillId: string }).backfillId } }),
  }),
);
