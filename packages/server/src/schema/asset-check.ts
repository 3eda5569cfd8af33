import { CHECK_SEVERITIES, RUN_FAILURE_REASONS } from "@strata/protocol";
import { builder } from "../builder.js";
import { lookupQueryField, orNotFound } from "./lookup-field.js";
import { describedEnum } from "./described-enum.js";
import { loadExecution } from "../checks/execution-loader.js";
import { reportCheckResult } from "../checks/report-result.js";
import { resolveCheckStatus } from "../checks/status.js";
import { NotFoundError, PartitionKeysNotFoundError } from "../errors.js";
import { assetEvents } from "./materialization.js";
import { metadataList, MetadataEntryRef } from "./metadata.js";

const AssetCheckExecutionStatusEnum = describedEnum("AssetCheckExecutionStatus", {
  IN_PROGRESS: "Its run has not ended and has not evaluated it yet.",
  SUCCEEDED: "It passed.",
  FAILED: "It failed (see severity).",
  EXECUTION_FAILED: "Its function threw, or its run failed before evaluating it.",
  SKIPPED: "Its run ended without evaluating it (succeeded without reaching it, or was canceled).",
});

export const AssetCheckSeverityEnum = builder.enumType("AssetCheckSeverity", {
  values: Object.fromEntries(
    CHECK_SEVERITIES.map((s) => [s, { description: s === "ERROR" ? "Fails the check." : "Only warns." }]),
  ) as Record<(typeof CHECK_SEVERITIES)[number], { description: string }>,
});

export const AssetCheckHealthEnum = describedEnum("AssetCheckHealth", {
  PASSING: "Every check's latest result passed.",
  WARNING: "A check's latest result failed with severity WARN, none with ERROR.",
  FAILING: "A check's latest result failed with severity ERROR, or its function threw.",
  NOT_EVALUATED: "Some check has no result yet, and none is failing.",
});

const CanExecuteIndividuallyEnum = describedEnum("AssetCheckCanExecuteIndividually", {
  CAN_EXECUTE: "It runs in a check step of its own: launchRun(checkKeys) runs it alone.",
  REQUIRES_MATERIALIZATION: "Its asset evaluates it in its own step: materialize the asset to run it.",
});

export const RunFailureCodeEnum = builder.enumType("RunFailureCode", { values: RUN_FAILURE_REASONS });

export const AssetCheckExecutionRef = builder.prismaObject("AssetCheckExecution", {
  description: "One evaluation of an asset check: planned with its run, then its result; or a result reported outside runs.",
  fields: (t) => ({
    id: t.string({ resolve: (e) => e.id.toString() }),
    checkKey: t.exposeString("checkKey"),
    assetKey: t.exposeString("assetKey"),
    status: t.field({
      type: AssetCheckExecutionStatusEnum,
      description: "Planned executions read as IN_PROGRESS, EXECUTION_FAILED or SKIPPED from their run's state.",
      select: { status: true, run: { select: { status: true } } },
      resolve: (e) => resolveCheckStatus(e.status, e.run?.status),
    }),
    passed: t.boolean({
      nullable: true,
      description: "Null until it has a result; false when its function threw.",
      resolve: (e) => (e.status === "SUCCEEDED" ? true : e.status === "FAILED" || e.status === "EXECUTION_FAILED" ? false : null),
    }),
    severity: t.field({ type: AssetCheckSeverityEnum, nullable: true, resolve: (e) => e.severity }),
    metadata: t.field({ type: [MetadataEntryRef], resolve: (e) => metadataList(e.metadata) }),
    description: t.exposeString("description", { nullable: true }),
    error: t.expose("error", {
      type: "JSON",
      nullable: true,
      description: "The error its function threw: { name, message, stack, cause }.",
    }),
    partition: t.exposeString("partition", { nullable: true }),
    runId: t.exposeString("runId", { nullable: true, description: "Null for a result reported outside runs." }),
    run: t.relation("run", { nullable: true }),
    stepKey: t.exposeString("stepKey", { nullable: true }),
    targetMaterialization: t.relation("targetMaterialization", {
      nullable: true,
      description: "The materialization it evaluated: its run's of the same asset and partition, else the latest when it was evaluated.",
    }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    endedAt: t.expose("endedAt", { type: "DateTime", nullable: true }),
  }),
});

export const AssetCheckRef = builder.prismaObject("AssetCheck", {
  description: "A check its asset's code location defines: its latest results and their history.",
  fields: (t) => ({
    key: t.exposeString("key", { description: '"<asset key>#<name>", e.g. "sales/orders#no_nulls".' }),
    name: t.exposeString("name"),
    assetKey: t.exposeString("assetKey"),
    description: t.exposeString("description", { nullable: true }),
    blocking: t.exposeBoolean("blocking", {
      description: "When it fails with ERROR (or throws), what is downstream of its asset in the run is skipped and the run fails.",
    }),
    stepKey: t.exposeString("stepKey", { description: "The step that evaluates it." }),
    canExecuteIndividually: t.field({
      type: CanExecuteIndividuallyEnum,
      resolve: (c) => (c.ownStep ? "CAN_EXECUTE" : "REQUIRES_MATERIALIZATION"),
    }),
    latestExecution: t.prismaField({
      type: "AssetCheckExecution",
      nullable: true,
      description: "The newest execution, in progress or not.",
      resolve: (query, check, _args, ctx, info) => loadExecution(ctx, info, query, { kind: "latest" }, check.key),
    }),
    executionForLatestMaterialization: t.prismaField({
      type: "AssetCheckExecution",
      nullable: true,
      description:
        "The newest execution that evaluated the asset's latest materialization (of `partition`): null after a newer materialization until the check runs again.",
      args: { partition: t.arg.string({ required: false }) },
      resolve: (query, check, args, ctx, info) =>
        loadExecution(ctx, info, query, { kind: "forLatestMaterialization", partition: args.partition ?? null }, check.key),
    }),
    executions: t.prismaConnection({
      type: "AssetCheckExecution",
      cursor: "id",
      description: "Newest first; only those of `partition` when given.",
      args: { partition: t.arg.string({ required: false }) },
      resolve: (query, check, args, ctx) =>
        ctx.db.prisma.assetCheckExecution.findMany({
          ...query,
          where: { checkKey: check.key, ...(args.partition != null && { partition: args.partition }) },
          orderBy: { id: "desc" },
        }),
    }),
  }),
});

builder.prismaObjectFields("AssetNode", (t) => ({
  checks: t.relation("checks", { description: "Its checks, by key.", query: { orderBy: { key: "asc" } } }),
  checkHealth: t.field({
    type: AssetCheckHealthEnum,
    nullable: true,
    description: "Folded from its checks' latest results; null when it has no checks.",
    select: { checkHealth: true },
    resolve: (node) => node.checkHealth,
  }),
}));

builder.prismaObjectFields("Asset", (t) => ({
  checks: t.field({
    type: [AssetCheckRef],
    description: "The checks its code location defines for it, by key (none once it is no longer defined).",
    select: (_args, _ctx, nested) => ({ definition: { select: { checks: nested({ orderBy: { key: "asc" } }) } } }),
    resolve: (asset) => asset.definition?.checks ?? [],
  }),
  checkHealth: t.field({
    type: AssetCheckHealthEnum,
    nullable: true,
    description: "PASSING, WARNING, FAILING or NOT_EVALUATED from its checks' latest results; null when it has no checks.",
    select: { definition: { select: { checkHealth: true } } },
    resolve: (asset) => asset.definition?.checkHealth ?? null,
  }),
}));

builder.prismaObjectFields("Materialization", (t) => ({
  checkExecutions: t.relation("checkExecutions", {
    description: "The check executions that evaluated this materialization.",
    query: { orderBy: { id: "asc" } },
  }),
}));

interface RunFailure {
  code: string | null;
  message: string;
}

const RunFailureRef = builder.objectRef<RunFailure>("RunFailure").implement({
  description: "Why a run failed.",
  fields: (t) => ({
    code: t.field({
      type: RunFailureCodeEnum,
      nullable: true,
      description: "STEP_FAILURE, BLOCKING_CHECK_FAILED, RUN_ERROR, START_TIMEOUT or WORKER_LOST; null for runs older than the code.",
      resolve: (f) => f.code as (typeof RUN_FAILURE_REASONS)[number] | null,
    }),
    message: t.exposeString("message"),
  }),
});

builder.prismaObjectFields("Run", (t) => ({
  failure: t.field({
    type: RunFailureRef,
    nullable: true,
    description: "Why it failed, typed; null unless its status is FAILURE.",
    select: { status: true, failureReason: true, failureCode: true },
    resolve: (r) => (r.status === "FAILURE" ? { code: r.failureCode, message: r.failureReason ?? "Run failed" } : null),
  }),
  checkExecutions: t.relation("checkExecutions", {
    description: "The checks it evaluates or evaluated, in the order planned.",
    query: { orderBy: { id: "asc" } },
  }),
}));

lookupQueryField("assetCheck", {
  type: "AssetCheck",
  description: 'One defined check by key, e.g. assetCheck(key: "sales/orders#no_nulls").',
  arg: "key",
  load: (ctx, query, key) => orNotFound("asset check", key, ctx.db.prisma.assetCheck.findUnique({ ...query, where: { key } })),
});

builder.mutationField("reportCheckResult", (t) =>
  t.prismaField({
    type: "AssetCheckExecution",
    errors: { types: [NotFoundError, PartitionKeysNotFoundError] },
    description:
      "Records the result of a check evaluated outside Strata's runs; it targets the asset's latest materialization (of the partition). Requires `launch`, `admin`, or `location:<name>` of the location that defines the check.",
    args: {
      checkKey: t.arg.string({ required: true }),
      passed: t.arg.boolean({ required: true }),
      severity: t.arg({ type: AssetCheckSeverityEnum, required: false, description: "ERROR (default) or WARN." }),
      metadata: t.arg({ type: "JSON", required: false, description: "label → value, or label → { type, value }." }),
      description: t.arg.string({ required: false }),
      partition: t.arg.string({ required: false }),
    },
    resolve: async (query, _root, args, ctx) => {
      const stored = await reportCheckResult(ctx.db.sql, ctx.principal, args);
      ctx.runs.metrics.checkResultReported(args.passed, args.severity ?? "ERROR");
      ctx.pubsub.publish("assetCheckEvaluated", stored);
      return ctx.db.prisma.assetCheckExecution.findUniqueOrThrow({ ...query, where: { id: BigInt(stored.executionId) } });
    },
  }),
);

builder.subscriptionField("assetCheckEvaluated", (t) =>
  t.prismaField({
    type: "AssetCheckExecution",
    description: "Each new check result for the given assets (or for any asset when `assetKeys` is null).",
    args: { assetKeys: t.arg.stringList({ required: false }) },
    subscribe: (_root, args, ctx) =>
      assetEvents(ctx, () => ctx.pubsub.subscribe("assetCheckEvaluated"), args.assetKeys, "assetKeys", {
        max: 10_000,
        message: "name at most 10,000 assets",
      }),
    resolve: (query, event, _args, ctx) =>
      ctx.db.prisma.assetCheckExecution.findUniqueOrThrow({
        ...query,
        where: { id: BigInt((event as { executionId: string }).executionId) },
      }),
  }),
);
