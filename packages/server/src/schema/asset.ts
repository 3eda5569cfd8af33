import { queryFromInfo } from "@pothos/plugin-prisma";
import type { GraphQLResolveInfo } from "graphql";
import { builder } from "../builder.js";
import { lookupQueryField, orNotFound } from "./lookup-field.js";
import { keyPath, parseAssetKey } from "../catalog/asset-key.js";
import { assetRowColumns, loadAssetRows } from "../catalog/asset-rows.js";
import { dependencyKeys } from "../catalog/dependency-keys.js";
import { lineageLoader } from "../catalog/lineage-loader.js";
import type { Context } from "../context.js";
import { tickBatcher } from "../db/tick-batch.js";
import { MaterializationRef } from "./materialization.js";
import { metadataList, MetadataEntryRef } from "./metadata.js";
import { deferLeanList } from "./lean-lists.js";

export const AssetRef = builder.prismaObject("Asset", {
  description:
    "An asset key Strata knows: defined by a code location, depended upon, or materialized. Its history outlives its definition.",
  // Select mode: its key, and what its fields ask for (its definition's columns, materializations).
  select: { key: true },
  fields: (t) => ({
    key: t.string({ description: 'Slash-joined key path, e.g. "sales/orders".', resolve: (asset) => asset.key }),
    path: t.stringList({ resolve: (asset) => keyPath(asset.key) }),
    isDefined: t.boolean({
      description: "Whether a code location currently defines this asset (false once a location drops it).",
      select: { definition: { select: { key: true } } },
      resolve: (asset) => asset.definition !== null,
    }),
    definition: t.relation("definition", { nullable: true }),
    latestMaterialization: t.field({
      type: MaterializationRef,
      nullable: true,
      select: (_args, _ctx, nested) => ({ materializations: nested({ take: 1, orderBy: { id: "desc" } }) }),
      resolve: (asset) => asset.materializations[0] ?? null,
    }),
    lastMaterializedAt: t.field({
      type: "DateTime",
      nullable: true,
      select: { materializations: { take: 1, orderBy: { id: "desc" }, select: { timestamp: true } } },
      resolve: (asset) => asset.materializations[0]?.timestamp ?? null,
    }),
    materializations: t.relatedConnection("materializations", {
      description: "Newest first.",
      cursor: "id",
      query: { orderBy: { id: "desc" } },
    }),
  }),
});

const KEY_ONLY = { key: (key: string) => key };

builder.prismaObjectFields("Asset", (t) => {
  const lineage = (direction: "upstream" | "downstream") =>
    t.field({
      type: [AssetRef],
      description: `Assets ${direction} of this one, across code locations, up to \`depth\` edges away (null: all).`,
      args: { depth: t.arg.int({ required: false, defaultValue: 1 }) },
      // Resolved for every asset of a list at once: one walk and one load per level of the query.
      resolve: async (asset, args, ctx, info) => {
        const keys = await lineageLoader(ctx, ctx.db.sql).walk(asset.key, direction, args.depth);
        // Asked for keys only, answered outside graphql-js's per-field execution (lean-lists.ts);
        // every key a walk reaches has its Asset row.
        return (deferLeanList(ctx, info, keys, "Asset", KEY_ONLY) as never) ?? loadAssetsTogether(ctx, info, keys);
      },
    });
  return { upstream: lineage("upstream"), downstream: lineage("downstream") };
});

/** Loads assets by key with exactly the selection the query asked for (no N+1), sorted by key. */
export async function loadAssets(ctx: Context, info: GraphQLResolveInfo, keys: readonly string[], path: string[] = []) {
  if (keys.length === 0) return [];
  const query = queryFromInfo({ context: ctx, info, typeName: "Asset", path });
  // Asset's and its definition's own columns: one statement; anything more (materializations,
  // relations of the definition): Prisma.
  const columns = assetRowColumns(query);
  const found = columns ? await loadAssetRows(ctx.db.sql, keys, columns) : [];
  // Stay far below PostgreSQL's 65,535 bind parameters per statement.
  for (let i = 0; !columns && i < keys.length; i += 20_000) {
    const chunk = keys.slice(i, i + 20_000);
    found.push(...(await ctx.db.prisma.asset.findMany({ ...query, where: { key: { in: chunk } } })));
  }
  return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

type LoadedAsset = Awaited<ReturnType<typeof loadAssets>>[number];
const assetBatch = tickBatcher<LoadedAsset>();

/**
 * `loadAssets` for a field resolved once per item of a list (`upstream` of each asset): the
 * calls made in the same tick for the same field of the query share one statement.
 */
async function loadAssetsTogether(ctx: Context, info: GraphQLResolveInfo, keys: readonly string[]): Promise<LoadedAsset[]> {
  if (keys.length === 0) return [];
  // Every item's field shares its AST node, so its selection, with its siblings.
  const rows = await assetBatch(ctx, info.fieldNodes[0], keys, async (batch) => {
    const loaded = await loadAssets(ctx, info, batch);
    return new Map(loaded.map((row) => [row.key, row]));
  });
  return keys.flatMap((key) => rows.get(key) ?? []);
}

builder.prismaObject("AssetNode", {
  name: "AssetDefinition",
  description: "How a code location currently defines an asset.",
  // Select mode: every query loads these small columns, read by plain resolvers (no per-row
  // selection bookkeeping); the large ones (metadata, tags, partitions) and relations only when a
  // field asks. A catalog page of groups and owners then reads neither each asset's metadata nor
  // its search text (W6).
  select: {
    key: true,
    groupName: true,
    description: true,
    owners: true,
    kinds: true,
    codeVersion: true,
    stepKey: true,
    multiAssetName: true,
    isSubsettable: true,
    updatedAt: true,
  },
  fields: (t) => ({
    key: t.string({ resolve: (node) => node.key }),
    group: t.string({ resolve: (node) => node.groupName }),
    description: t.string({ nullable: true, resolve: (node) => node.description }),
    owners: t.stringList({ description: 'Emails or "team:<name>".', resolve: (node) => node.owners }),
    tags: t.field({ type: "JSON", description: "An object of tag name → value.", select: { tags: true }, resolve: (node) => node.tags }),
    kinds: t.stringList({ resolve: (node) => node.kinds }),
    metadata: t.field({ type: [MetadataEntryRef], select: { metadata: true }, resolve: (node) => metadataList(node.metadata) }),
    codeVersion: t.string({ nullable: true, resolve: (node) => node.codeVersion }),
    stepKey: t.string({ description: "The step that materializes it.", resolve: (node) => node.stepKey }),
    multiAssetName: t.string({ nullable: true, resolve: (node) => node.multiAssetName }),
    isSubsettable: t.boolean({
      description: "False for an output of a multi-asset that must run whole.",
      resolve: (node) => node.isSubsettable,
    }),
    location: t.relation("location"),
    dependencyKeys: t.stringList({
      description: "Keys this asset depends on, possibly defined by other locations.",
      resolve: (node, _args, ctx) => dependencyKeys(ctx, ctx.db.sql, node.key),
    }),
    updatedAt: t.field({ type: "DateTime", resolve: (node) => node.updatedAt }),
  }),
});

lookupQueryField("asset", {
  type: "Asset",
  description: 'One asset by key, e.g. asset(key: "sales/orders").',
  arg: "key",
  parse: parseAssetKey,
  load: (ctx, query, key) => orNotFound("asset", key, ctx.db.prisma.asset.findUnique({ ...query, where: { key } })),
});
