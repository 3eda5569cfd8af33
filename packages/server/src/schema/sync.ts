import { type PartitionsDefinition, toRanges } from "@strata/protocol";
import { builder } from "../builder.js";
import { describedEnum } from "./described-enum.js";
import { requireScope } from "../auth/principal.js";
import type { Context } from "../context.js";
import { PartitionKeysNotFoundError } from "../errors.js";
import { loadSpace } from "../partitions/space.js";
import { assetStatuses, type NodeCause, type NodeStatus, SyncGraph } from "../sync/sync-graph.js";

export const SyncStateEnum = describedEnum("SyncState", {
  SYNCED: "Its latest materialization used its current code and its dependencies' current data.",
  UNSYNCED: "Its code, its dependencies, or a dependency's data changed since (see causes).",
  MISSING: "Never materialized.",
});

const SyncCauseCategoryEnum = describedEnum("SyncCauseCategory", {
  CODE: "Its code version changed.",
  DATA: "A dependency has new data, or is itself unsynced for a DATA reason.",
  DEPENDENCIES: "A dependency was added or removed.",
});

const SyncCauseRef = builder.objectRef<NodeCause>("SyncCause");
SyncCauseRef.implement({
  description: "Why an asset (or one partition of it) is unsynced, with Dagster's reason strings.",
  fields: (t) => ({
    category: t.field({ type: SyncCauseCategoryEnum, resolve: (c) => c.category }),
    reason: t.exposeString("reason", {
      description: 'e.g. "has a new code version", "has a new dependency data version", "stale dependency".',
    }),
    assetKey: t.exposeString("assetKey"),
    partition: t.exposeString("partition", { nullable: true }),
    dependency: t.exposeString("dependency", { nullable: true, description: "The dependency the cause is about." }),
    dependencyPartition: t.exposeString("dependencyPartition", { nullable: true }),
    children: t.field({
      type: [SyncCauseRef],
      description: "The dependency's own causes (for a new dependency data version or a stale dependency).",
      resolve: (c) => c.children,
    }),
  }),
});

const SyncStatusRef = builder.objectRef<NodeStatus>("SyncStatus").implement({
  fields: (t) => ({
    state: t.field({ type: SyncStateEnum, resolve: (s) => s.state }),
    causes: t.field({ type: [SyncCauseRef], resolve: (s) => s.causes }),
    rootCauses: t.field({
      type: [SyncCauseRef],
      description: "The leaves of the causes: what to materialize or fix first.",
      resolve: (s) => s.rootCauses,
    }),
  }),
});

interface UnsyncedRange {
  startKey: string;
  endKey: string;
  startIndex: number;
  endIndex: number;
}

const UnsyncedPartitionsRef = builder.objectRef<{ count: number; ranges: UnsyncedRange[] }>("UnsyncedPartitions").implement({
  description: "An asset's unsynced partitions, as ranges of consecutive partitions (no cut-off).",
  fields: (t) => ({
    count: t.exposeInt("count"),
    ranges: t.field({
      type: [
        builder.objectRef<UnsyncedRange>("UnsyncedPartitionRange").implement({
          fields: (r) => ({
            startKey: r.exposeString("startKey"),
            endKey: r.exposeString("endKey"),
            startIndex: r.exposeInt("startIndex"),
            endIndex: r.exposeInt("endIndex"),
            count: r.int({ resolve: (x) => x.endIndex - x.startIndex + 1 }),
          }),
        }),
      ],
      resolve: (u) => u.ranges,
    }),
  }),
});

const graphs = new WeakMap<object, SyncGraph>();
/**
 * The request's sync graph, for a principal with `read` (the fields that read it need no other
 * check): one per request, so statuses of many assets share what they load (memoized along the lineage).
 */
function readGraph(ctx: Context): SyncGraph {
  requireScope(ctx.principal, "read");
  let graph = graphs.get(ctx);
  if (!graph) graphs.set(ctx, (graph = new SyncGraph(ctx.db.sql)));
  return graph;
}

builder.prismaObjectFields("Asset", (t) => ({
  syncState: t.field({
    type: SyncStateEnum,
    nullable: true,
    description:
      "Its sync state as stored (the column `assets(syncStatus:)` filters on): one column of its definition, cheap in a list. Refreshed shortly after the writes that change it; null when it is not defined or not computed yet. `syncStatus` computes it now, with causes.",
    // A column of the definition's row, so the catalog's one-statement page still answers it (catalog/asset-rows.ts).
    select: { definition: { select: { syncState: true } } },
    resolve: (asset) => asset.definition?.syncState ?? null,
  }),
  syncStatus: t.field({
    type: SyncStatusRef,
    description:
      "Whether its latest materialization (of `partition`, for a partitioned asset) is in sync with its code and its dependencies' data. A partitioned asset without `partition` is UNSYNCED when any partition is.",
    args: { partition: t.arg.string({ required: false }) },
    resolve: async (asset, args, ctx) => {
      const graph = readGraph(ctx);
      if (args.partition == null) return (await assetStatuses(graph, [asset.key])).get(asset.key)!;
      const def = (await graph.definitions([asset.key])).get(asset.key);
      if (!def?.partitions) throw new PartitionKeysNotFoundError({ keys: [args.partition] }, `Asset "${asset.key}" is not partitioned`);
      const ref = { key: asset.key, partition: args.partition };
      return (await graph.statuses([ref])).get(`${asset.key}[${args.partition}]`)!;
    },
  }),
  unsyncedPartitions: t.field({
    type: UnsyncedPartitionsRef,
    nullable: true,
    description: "Its unsynced partitions as ranges, and how many; null when it is not partitioned.",
    resolve: async (asset, _args, ctx) => {
      const graph = readGraph(ctx);
      const def = (await graph.definitions([asset.key])).get(asset.key);
      if (!def?.partitions) return null;
      const { unsynced } = (await assetStatuses(graph, [asset.key])).get(asset.key)!;
      const space = await loadSpace(ctx.db.sql, def.partitions as PartitionsDefinition);
      const indexes = unsynced.map((k) => space.indexOf(k)).filter((i): i is number => i !== null);
      const ranges = toRanges(indexes).map((r) => ({
        startIndex: r.start,
        endIndex: r.end,
        startKey: space.keyAt(r.start),
        endKey: space.keyAt(r.end),
      }));
      return { count: indexes.length, ranges };
    },
  }),
}));

builder.prismaObjectFields("Materialization", (t) => ({
  dataVersionUserProvided: t.exposeBoolean("dataVersionUserProvided", {
    description: "False when the data version was derived from the code version and the inputs' data versions.",
  }),
  inputDataVersions: t.field({
    type: "JSON",
    nullable: true,
    description: "Each input's data version as it was read: { dependency key: data version or null }. Null when not recorded.",
    resolve: (m) => m.inputs ?? null,
  }),
}));
