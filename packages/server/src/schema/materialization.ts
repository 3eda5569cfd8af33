import { isPartitionKey, readPartitionsDefinitions } from "../partitions/space.js";
import { filter, pipe } from "graphql-yoga";
import { guardSubscription } from "../pubsub/guarded-subscription.js";
import { builder } from "../builder.js";
import type { Context } from "../context.js";
import { can, requireScope } from "../auth/principal.js";
import { parseAssetKey } from "../catalog/asset-key.js";
import { recordMaterializations } from "../catalog/materializations.js";
import { InvalidArgumentError, PartitionKeysNotFoundError } from "../errors.js";
import { metadataList, MetadataEntryRef } from "./metadata.js";
import { newIngestEffects } from "../sync/ingest-effects.js";
import { publishFreshness } from "../freshness/freshness-service.js";
import { publishSyncRefresh } from "../sync/sync-refresher.js";

export const MaterializationRef = builder.prismaObject("Materialization", {
  description: "An asset value was produced: by a run's step, or reported by an external system.",
  fields: (t) => ({
    id: t.string({ resolve: (m) => m.id.toString() }),
    assetKey: t.exposeString("assetKey"),
    asset: t.relation("asset"),
    runId: t.exposeString("runId", { nullable: true, description: "Null for a runless (reported) materialization." }),
    stepKey: t.exposeString("stepKey", { nullable: true }),
    partition: t.exposeString("partition", { nullable: true }),
    description: t.exposeString("description", { nullable: true }),
    metadata: t.field({ type: [MetadataEntryRef], resolve: (m) => metadataList(m.metadata) }),
    codeVersion: t.exposeString("codeVersion", { nullable: true }),
    dataVersion: t.exposeString("dataVersion", { nullable: true }),
    timestamp: t.expose("timestamp", { type: "DateTime" }),
  }),
});

builder.mutationField("reportMaterialization", (t) =>
  t.prismaField({
    type: "Materialization",
    errors: { types: [PartitionKeysNotFoundError] },
    description:
      "Records a materialization made outside Strata (Dagster's runless asset event): the asset need not be defined by any location. Requires `launch`, `admin`, or `location:<name>` of the location that defines the asset.",
    args: {
      assetKey: t.arg.string({ required: true }),
      metadata: t.arg({ type: "JSON", required: false, description: "label → value, or label → { type, value }." }),
      partition: t.arg.string({ required: false }),
      description: t.arg.string({ required: false }),
      dataVersion: t.arg.string({ required: false }),
      codeVersion: t.arg.string({ required: false }),
    },
    resolve: async (query, _root, args, ctx) => {
      const assetKey = parseAssetKey(args.assetKey, "assetKey");
      if (!can(ctx.principal, "launch")) {
        // Without `launch`, only the defining location's own token may report. The refusal names
        // `launch` alone, so it says nothing about which location (if any) defines the asset.
        const definedBy = await ctx.db.prisma.assetNode.findUnique({
          where: { key: assetKey },
          select: { location: { select: { name: true } } },
        });
        if (!definedBy || !can(ctx.principal, `location:${definedBy.location.name}`)) requireScope(ctx.principal, "launch");
      }
      if (args.metadata !== null && args.metadata !== undefined && (typeof args.metadata !== "object" || Array.isArray(args.metadata))) {
        throw new InvalidArgumentError("metadata", "must be an object of label → value");
      }
      if (args.partition != null) {
        const [def] = (await readPartitionsDefinitions(ctx.db.sql, [assetKey])).values();
        if (def && !(await isPartitionKey(ctx.db.sql, def, args.partition))) {
          throw new PartitionKeysNotFoundError({ keys: [args.partition] }, `Asset "${assetKey}" has no partition "${args.partition}"`);
        }
      }
      const effects = newIngestEffects();
      const [id] = await recordMaterializations(
        ctx.db.sql,
        [
          {
            assetKey,
            metadata: (args.metadata as Record<string, unknown> | null) ?? {},
            partition: args.partition ?? null,
            description: args.description ?? null,
            dataVersion: args.dataVersion ?? null,
            codeVersion: args.codeVersion ?? null,
          },
        ],
        effects,
      );
      ctx.runs.metrics.materializationReported();
      ctx.pubsub.publish("assetMaterialized", { materializationId: id!, assetKey });
      publishFreshness(ctx.pubsub, effects.freshness, effects.freshnessRescheduled);
      publishSyncRefresh(ctx.pubsub, effects.syncQueued);
      return ctx.db.prisma.materialization.findUniqueOrThrow({ ...query, where: { id: BigInt(id!) } });
    },
  }),
);

builder.subscriptionField("assetMaterialized", (t) =>
  t.prismaField({
    type: "Materialization",
    description: "Each new materialization of the given assets (or of any asset when `keys` is null).",
    args: { keys: t.arg.stringList({ required: false }) },
    subscribe: (_root, args, ctx) => assetEvents(ctx, () => ctx.pubsub.subscribe("assetMaterialized"), args.keys, "keys"),
    resolve: (query, event, _args, ctx) =>
      ctx.db.prisma.materialization.findUniqueOrThrow({
        ...query,
        where: { id: BigInt((event as { materializationId: string }).materializationId) },
      }),
  }),
);

/**
 * The events `subscribe` answers (an asset-keyed topic) for the assets of `keys` (each parsed as
 * an item of the argument `arg`; at most `limit.max` of them), or for every asset when `keys` is
 * null: what the materialization, check and freshness subscriptions stream. The read scope and
 * the keys are checked before subscribing, so a refusal is an error result, not a broken stream.
 */
export function assetEvents<E extends { assetKey: string }>(
  ctx: Context,
  subscribe: () => AsyncIterable<E>,
  keys: readonly string[] | null | undefined,
  arg: string,
  limit?: { max: number; message: string },
) {
  requireScope(ctx.principal, "read");
  if (keys && limit && keys.length > limit.max) throw new InvalidArgumentError(arg, limit.message);
  const wanted = keys ? new Set(keys.map((key, i) => parseAssetKey(key, `${arg}.${i}`))) : null;
  return guardSubscription(
    ctx,
    pipe(
      subscribe(),
      filter((event) => !wanted || wanted.has(event.assetKey)),
    ),
  );
}
