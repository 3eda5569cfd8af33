import { builder } from "../builder.js";
import { requireScope } from "../auth/principal.js";
import { parseAssetKey } from "../catalog/asset-key.js";
import { lineageAround, type LineageEdge } from "../catalog/lineage.js";
import type { Context } from "../context.js";
import { type LayoutGroup, type LineageLayout, lineageLayouts, nodeStates } from "../lineage-layout/lineage-layouts.js";
import { drainForReader } from "../sync/sync-refresher.js";
import { AssetRef, loadAssets } from "./asset.js";
import { deferLeanList } from "./lean-lists.js";
import { AssetCheckHealthEnum } from "./asset-check.js";
import { SyncStateEnum } from "./sync.js";

const LineageEdgeRef = builder.objectRef<LineageEdge>("LineageEdge").implement({
  description: "`downstream` depends on `upstream`.",
  fields: (t) => ({ upstream: t.exposeString("upstream"), downstream: t.exposeString("downstream") }),
});

interface Lineage {
  keys: string[];
  edges: LineageEdge[];
}

const EDGE_LEAVES = { upstream: (e: LineageEdge) => e.upstream, downstream: (e: LineageEdge) => e.downstream };
const EDGE_AS_BUILT = ["upstream", "downstream"];
/** An asset's key is all a node's `key` needs: every key of the graph has its Asset row (written with the edge). */
const NODE_LEAVES = { key: (key: string) => key };

const LineageRef = builder.objectRef<Lineage>("Lineage").implement({
  description: "A piece of the asset graph, for drawing: nodes and the edges between them.",
  fields: (t) => ({
    // Asked for keys only (as a walk's consumer often is), nodes and edges skip graphql-js's
    // per-field execution (lean-lists.ts); anything more is resolved as usual.
    nodes: t.field({
      type: [AssetRef],
      resolve: (lineage, _args, ctx, info) =>
        (deferLeanList(ctx, info, lineage.keys, "Asset", NODE_LEAVES) as never) ?? loadAssets(ctx, info, lineage.keys),
    }),
    edges: t.field({
      type: [LineageEdgeRef],
      resolve: (lineage, _args, ctx, info) =>
        deferLeanList(ctx, info, lineage.edges, "LineageEdge", EDGE_LEAVES, EDGE_AS_BUILT) ?? lineage.edges,
    }),
  }),
});

builder.queryField("lineage", (t) =>
  t.field({
    type: LineageRef,
    description:
      "The asset graph around `keys`, across code locations: each key, what lies upstream and downstream of it (within the depths; null: no limit), and the edges among them. Without keys, the whole graph.",
    args: {
      keys: t.arg.stringList({ required: false }),
      upstreamDepth: t.arg.int({ required: false, defaultValue: null }),
      downstreamDepth: t.arg.int({ required: false, defaultValue: null }),
    },
    resolve: async (_root, args, ctx) => {
      requireScope(ctx.principal, "read");
      const start = args.keys?.map((key, i) => parseAssetKey(key, `keys.${i}`)) ?? null;
      return lineageAround(ctx.db.sql, start, args.upstreamDepth, args.downstreamDepth);
    },
  }),
);

interface LayoutAnswer {
  layout: LineageLayout;
  cached: boolean;
}

const LayoutGroupRef = builder.objectRef<LayoutGroup & { index: number; layout: LineageLayout }>("LineageLayoutGroup").implement({
  description: "One group's box: a code location's asset group, or the assets no location defines (location null, name `external`).",
  fields: (t) => ({
    name: t.exposeString("name"),
    location: t.exposeString("location", { nullable: true }),
    assetCount: t.exposeInt("assetCount"),
    x: t.int({ resolve: (g) => g.layout.groupX[g.index]! }),
    y: t.int({ resolve: (g) => g.layout.groupY[g.index]! }),
    width: t.int({ resolve: (g) => g.layout.groupWidth[g.index]! }),
    height: t.int({ resolve: (g) => g.layout.groupHeight[g.index]! }),
  }),
});

const LineageLayoutRef = builder.objectRef<LayoutAnswer>("LineageLayout").implement({
  description:
    "The whole asset graph placed for drawing, as parallel arrays indexed by node (compact at 10,000+ assets). Computed on the server off the request thread, once per graph: equal `graphHash`, equal layout. Coordinates are pixels of the unzoomed graph; every node is `nodeWidth` × `nodeHeight`.",
  fields: (t) => ({
    graphHash: t.string({
      description: "Changes when a code location registers a new manifest or is removed.",
      resolve: (a) => a.layout.graphHash,
    }),
    cached: t.boolean({
      description: "Whether this server had the layout already (false: computed for this request).",
      resolve: (a) => a.cached,
    }),
    computeMs: t.int({ description: "How long computing the layout took, in milliseconds.", resolve: (a) => a.layout.computeMs }),
    nodeWidth: t.int({ resolve: (a) => a.layout.nodeWidth }),
    nodeHeight: t.int({ resolve: (a) => a.layout.nodeHeight }),
    keys: t.stringList({ description: "The assets, sorted by key.", resolve: (a) => a.layout.keys }),
    x: t.field({ type: "IntArray", description: "Each node's left edge.", resolve: (a) => a.layout.x }),
    y: t.field({ type: "IntArray", description: "Each node's top edge.", resolve: (a) => a.layout.y }),
    group: t.field({ type: "IntArray", description: "Each node's group, an index into `groups`.", resolve: (a) => a.layout.groupOf }),
    edges: t.field({
      type: "IntArray",
      description: "The dependencies as flattened pairs of node indexes: upstream, downstream, upstream, downstream…",
      resolve: (a) => a.layout.edges,
    }),
    groups: t.field({
      type: [LayoutGroupRef],
      resolve: (a) => a.layout.groups.map((g, index) => ({ ...g, index, layout: a.layout })),
    }),
    groupEdges: t.field({
      type: "IntArray",
      description: "Dependencies between groups as flattened triples: upstream group, downstream group, number of asset edges.",
      resolve: (a) => a.layout.groupEdges,
    }),
    syncStates: t.field({
      type: [SyncStateEnum],
      nullable: { list: false, items: true },
      description: "Each node's sync status now (MISSING: never materialized); null for an asset no location defines.",
      resolve: async (a, _args, ctx) => (await statesNow(ctx, a.layout)).sync,
    }),
    checkHealth: t.field({
      type: [AssetCheckHealthEnum],
      nullable: { list: false, items: true },
      description: "Each node's check health now; null when it has no checks.",
      resolve: async (a, _args, ctx) => (await statesNow(ctx, a.layout)).health,
    }),
  }),
});

const statesOfRequest = new WeakMap<object, ReturnType<typeof nodeStates>>();

/** The nodes' current states, read once per request for both fields. */
function statesNow(ctx: Context, layout: LineageLayout) {
  let states = statesOfRequest.get(ctx);
  if (!states) {
    // As the catalog does: what ingest queued is folded in first, so a state is never older than the last write.
    states = drainForReader(ctx.db.sql).then(() => nodeStates(ctx.db.sql, layout));
    statesOfRequest.set(ctx, states);
  }
  return states;
}

builder.queryField("lineageLayout", (t) =>
  t.field({
    type: LineageLayoutRef,
    description:
      "The whole asset graph laid out for drawing: groups as boxes, each group's assets in layered columns (longest path from a root, rows ordered to reduce crossings), in time linear in the graph. Cached per graph; the states are read per request.",
    resolve: async (_root, _args, ctx) => {
      requireScope(ctx.principal, "read");
      return lineageLayouts(ctx.db.sql).current();
    },
  }),
);
