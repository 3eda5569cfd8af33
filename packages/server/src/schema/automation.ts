import { type AutomationEvaluation, type AutomationNodeResult, evaluationNodes as dryRunNodes } from "@strata/protocol";
import { requireScope } from "../auth/principal.js";
import {
  type AutomationInstigatorState,
  automationConditionOf,
  automationInstigator,
  setAutomationPaused,
} from "../automation/instigator.js";
import { type AutomationRunRequest, dryRunLocation, type DryRunOutcome } from "../automation/tick.js";
import { builder } from "../builder.js";
import { describedEnum } from "./described-enum.js";
import type { Sql } from "../db/sql.js";
import type { Context } from "../context.js";
import { parseLocationName } from "../catalog/location-name.js";
import { InvalidArgumentError, NotFoundError } from "../errors.js";
import { readChanges } from "../pubsub/guarded-subscription.js";

const AutomationTickStatusEnum = describedEnum("AutomationTickStatus", {
  STARTED: "Being evaluated.",
  SKIPPED: "Evaluated; nothing was requested.",
  SUCCESS: "Evaluated; its runs were created with it, in one transaction.",
  FAILURE: "Its transaction failed: it created nothing (see error).",
});

export const AutomationTickRef = builder.prismaObject("AutomationTick", {
  description: "One evaluation of a code location's automation conditions.",
  fields: (t) => ({
    id: t.id({ resolve: (tick) => tick.id.toString() }),
    location: t.relation("location"),
    status: t.field({ type: AutomationTickStatusEnum, resolve: (tick) => tick.status }),
    startedAt: t.expose("startedAt", { type: "DateTime", description: "The tick's time." }),
    endedAt: t.expose("endedAt", { type: "DateTime", nullable: true }),
    runIds: t.exposeStringList("runIds", { description: "The runs it created, each tagged strata/automation_tick=<id>." }),
    requested: t.exposeInt("requested", { description: "How many assets it requested." }),
    error: t.expose("error", { type: "JSON", nullable: true, description: "{ name, message } of a FAILURE." }),
  }),
});

/** A page of automation ticks: what `automationTicks` answers, and each schedule's and sensor's `ticks`. */
export const AutomationTickConnection = builder.connectionObject({ type: AutomationTickRef, name: "AutomationTickConnection" });

/**
 * A schedule's or a sensor's `ticks` (the options of its prismaConnection field, paged as
 * AutomationTickConnection): the instigator's own ticks, newest first.
 */
export function instigatorTicks(instigator: "scheduleName" | "sensorName", description: string) {
  return {
    type: "AutomationTick",
    cursor: "id",
    description,
    resolve: (query: object, parent: { locationId: string; name: string }, _args: unknown, ctx: Context) =>
      ctx.db.prisma.automationTick.findMany({
        ...query,
        where: { locationId: parent.locationId, [instigator]: parent.name },
        orderBy: { id: "desc" },
      }),
  } as const;
}

const AutomationNodeRef = builder.objectRef<AutomationNodeResult>("AutomationConditionNodeEvaluation").implement({
  description: "One node of an evaluated condition: for how many of its subjects (the asset, its dependencies or its checks) it was true.",
  fields: (t) => ({
    id: t.exposeString("id", { description: "Stable across ticks while the tree above it is unchanged." }),
    parentId: t.exposeString("parentId", { nullable: true }),
    op: t.exposeString("op", { description: 'The operand or operator: "and", "missing", "anyDepsMatch"…' }),
    label: t.exposeString("label", { nullable: true, description: 'Its name in the tree: "eager", "any_deps_updated"…' }),
    trueCount: t.exposeInt("trueCount"),
    candidateCount: t.exposeInt("candidateCount"),
  }),
});

type ConditionTreeNode = Pick<AutomationNodeResult, "id" | "parentId" | "op" | "label">;
// Trees are stored by hash and never change: each is read once per process.
const conditionTrees = new Map<string, Promise<ConditionTreeNode[]>>();

/** An evaluation's nodes: older rows hold them whole, newer ones their tree's hash and the counts. */
async function evaluationNodes(
  sql: Sql,
  e: { nodes: unknown; treeHash: string | null; counts: number[] },
): Promise<AutomationNodeResult[]> {
  if (e.nodes !== null || e.treeHash === null) return (e.nodes ?? []) as AutomationNodeResult[];
  const hash = e.treeHash;
  let tree = conditionTrees.get(hash);
  if (!tree) {
    tree = sql.query<{ nodes: ConditionTreeNode[] }>(`SELECT nodes FROM "AutomationConditionTree" WHERE hash = $1`, [hash]).then((rows) => {
      if (!rows[0]) throw new Error(`automation condition tree ${hash} not found`);
      return rows[0].nodes;
    });
    tree.catch(() => conditionTrees.delete(hash));
    conditionTrees.set(hash, tree);
  }
  return (await tree).map((node, i) => ({ ...node, trueCount: e.counts[2 * i] ?? 0, candidateCount: e.counts[2 * i + 1] ?? 0 }));
}

builder.prismaObject("AutomationEvaluation", {
  description:
    "An asset's condition evaluated at a tick: written when its result changes or it is requested, so the latest answers why it did (not) run.",
  fields: (t) => ({
    id: t.id({ resolve: (e) => e.id.toString() }),
    assetKey: t.exposeString("assetKey"),
    partitionKey: t.exposeString("partitionKey", {
      nullable: true,
      description: "The time window a time-partitioned asset was evaluated on (its latest); null for an asset evaluated whole.",
    }),
    tick: t.relation("tick"),
    requested: t.exposeBoolean("requested"),
    nodes: t.field({
      type: [AutomationNodeRef],
      description: "Depth first from the root.",
      resolve: (e, _args, ctx) => evaluationNodes(ctx.db.sql, e),
    }),
    runIds: t.exposeStringList("runIds"),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
  }),
});

const AutomationConditionRef = builder.objectRef<{ label: string | null; tree: unknown }>("AutomationCondition").implement({
  description: "An asset's automation condition as its manifest carries it.",
  fields: (t) => ({
    label: t.exposeString("label", { nullable: true, description: 'The root\'s label: "eager", "on_cron"…' }),
    tree: t.field({ type: "JSON", description: "{ op, label?, args?, children? }, recursively.", resolve: (c) => c.tree }),
  }),
});

const AutomationInstigatorRef = builder.objectRef<AutomationInstigatorState>("AutomationInstigator").implement({
  description: "A code location's automation evaluator: on unless paused, ticking every STRATA_AUTOMATION_INTERVAL_MS.",
  fields: (t) => ({
    location: t.exposeString("location"),
    paused: t.exposeBoolean("paused"),
    lastTickAt: t.expose("lastTickAt", { type: "DateTime", nullable: true }),
    nextTickAt: t.expose("nextTickAt", { type: "DateTime", nullable: true, description: "Null while paused or before its first tick." }),
  }),
});

builder.prismaObjectFields("Asset", (t) => ({
  automationCondition: t.field({
    type: AutomationConditionRef,
    nullable: true,
    description: "When it materializes by itself; null when it does not (or is not defined).",
    select: { definition: { select: { versionId: true } } },
    resolve: async (asset, _args, ctx) => {
      if (!asset.definition) return null;
      const tree = await automationConditionOf(ctx.db.sql, ctx.runs.manifests, asset.key, asset.definition.versionId);
      return tree && { label: tree.label ?? null, tree };
    },
  }),
  automationEvaluations: t.prismaConnection({
    type: "AutomationEvaluation",
    cursor: "id",
    description: "Its condition's evaluations, newest first: the first is why it did (not) run.",
    resolve: (query, asset, _args, ctx) =>
      ctx.db.prisma.automationEvaluation.findMany({ ...query, where: { assetKey: asset.key }, orderBy: { id: "desc" } }),
  }),
  nextAutomationTickAt: t.field({
    type: "DateTime",
    nullable: true,
    description: "When its condition is next evaluated; null when it has none or its location's automation is paused.",
    select: { definition: { select: { locationId: true, versionId: true } } },
    resolve: async (asset, _args, ctx) => {
      if (!asset.definition) return null;
      if (!(await automationConditionOf(ctx.db.sql, ctx.runs.manifests, asset.key, asset.definition.versionId))) return null;
      return (await automationInstigator(ctx.db.sql, asset.definition.locationId))?.nextTickAt ?? null;
    },
  }),
}));

builder.prismaObjectFields("CodeLocation", (t) => ({
  automation: t.field({
    type: AutomationInstigatorRef,
    nullable: true,
    description: "Its automation evaluator's state.",
    resolve: (location, _args, ctx) => automationInstigator(ctx.db.sql, location.id),
  }),
}));

builder.queryField("automationTicks", (t) =>
  t.prismaConnection(
    {
      type: "AutomationTick",
      cursor: "id",
      description: "Automation ticks, newest first: of one code location, and of some statuses, when given.",
      args: {
        location: t.arg.string({ required: false }),
        status: t.arg({ type: [AutomationTickStatusEnum], required: false }),
      },
      resolve: (query, _root, args, ctx) => {
        requireScope(ctx.principal, "read");
        return ctx.db.prisma.automationTick.findMany({
          ...query,
          where: {
            ...(args.location != null && { location: { name: parseLocationName(args.location) } }),
            ...(args.status?.length && { status: { in: args.status } }),
          },
          orderBy: { id: "desc" },
        });
      },
    },
    AutomationTickConnection,
  ),
);

builder.mutationField("setAutomationPaused", (t) =>
  t.field({
    type: AutomationInstigatorRef,
    errors: { types: [NotFoundError] },
    description: "Pauses (no ticks) or resumes a code location's automation. Requires `launch`.",
    args: { location: t.arg.string({ required: true }), paused: t.arg.boolean({ required: true }) },
    resolve: (_root, args, ctx) => {
      requireScope(ctx.principal, "launch");
      return setAutomationPaused(ctx.db.sql, parseLocationName(args.location), args.paused);
    },
  }),
);

const DryRunEvaluationRef = builder.objectRef<AutomationEvaluation>("AutomationDryRunEvaluation").implement({
  description: "An asset's condition as the dry run evaluated it.",
  fields: (t) => ({
    assetKey: t.exposeString("assetKey"),
    partitionKey: t.exposeString("partitionKey", {
      nullable: true,
      description: "The time window a time-partitioned asset was evaluated on (its latest); null for an asset evaluated whole.",
    }),
    requested: t.exposeBoolean("requested"),
    nodes: t.field({ type: [AutomationNodeRef], description: "Depth first from the root.", resolve: (e) => dryRunNodes(e) }),
  }),
});

const DryRunRequestRef = builder.objectRef<AutomationRunRequest>("AutomationRunRequest").implement({
  description: "One run a tick requests.",
  fields: (t) => ({
    assetKeys: t.exposeStringList("assetKeys"),
    partitionKey: t.exposeString("partitionKey", { nullable: true, description: "The partition it materializes; null: unpartitioned." }),
  }),
});

const DryRunRef = builder.objectRef<DryRunOutcome & { location: string; evaluatedAt: Date }>("AutomationDryRun").implement({
  description: "What a tick of a code location's conditions would request now. Nothing was written: no run, no tick, no cursor.",
  fields: (t) => ({
    location: t.exposeString("location"),
    evaluatedAt: t.expose("evaluatedAt", { type: "DateTime" }),
    requested: t.exposeStringList("requested", { description: "The assets the conditions request." }),
    runAssetKeys: t.exposeStringList("runAssetKeys", {
      description:
        "The assets of the runs a tick would launch: the requested assets and the multi-asset siblings they bring along; empty when none.",
    }),
    runs: t.field({
      type: [DryRunRequestRef],
      description: "The runs a tick would launch: one for the unpartitioned assets, one per time window of partitioned ones.",
      resolve: (d) => d.runs,
    }),
    evaluations: t.field({ type: [DryRunEvaluationRef], resolve: (d) => d.evaluations }),
  }),
});

builder.queryField("automationDryRun", (t) =>
  t.field({
    type: DryRunRef,
    errors: { types: [NotFoundError, InvalidArgumentError] },
    description:
      "Evaluates a code location's automation conditions now, as its next tick would (paused or not), and rolls everything back: what it would request and why. Requires `read`.",
    args: { location: t.arg.string({ required: true }) },
    resolve: async (_root, args, ctx) => {
      requireScope(ctx.principal, "read");
      const name = parseLocationName(args.location);
      const [location] = await ctx.db.sql.query<{ id: string; name: string; versionId: string | null }>(
        `SELECT id, name, "currentVersionId" AS "versionId" FROM "CodeLocation" WHERE name = $1`,
        [name],
      );
      if (!location?.versionId) throw new NotFoundError("code location", name);
      const evaluatedAt = new Date();
      const outcome = await dryRunLocation(
        ctx.db.sql,
        ctx.runs.manifests,
        { id: location.id, name, versionId: location.versionId },
        evaluatedAt,
      );
      if (!outcome) throw new InvalidArgumentError("location", `code location "${name}" is being ticked right now: try again`);
      return { ...outcome, location: name, evaluatedAt };
    },
  }),
);

builder.subscriptionField("tickCompleted", (t) =>
  t.prismaField({
    type: "AutomationTick",
    description:
      "Each automation tick as it ends (conditions, schedules and sensors: SUCCESS, SKIPPED or FAILURE), of one code location or of all.",
    args: { location: t.arg.string({ required: false }) },
    subscribe: (_root, args, ctx) => {
      const location = args.location == null ? null : parseLocationName(args.location);
      return readChanges(ctx, "tickCompleted", (event) => location === null || event.location === location);
    },
    resolve: (query, event, _args, ctx) =>
      ctx.db.prisma.automationTick.findUniqueOrThrow({ ...query, where: { id: BigInt((event as { tickId: string }).tickId) } }),
  }),
);
