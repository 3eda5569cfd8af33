import { builder } from "../builder.js";
import { requireScope } from "../auth/principal.js";
import { parseAssetKey } from "../catalog/asset-key.js";
import { edgesAmong, walkLineage, type LineageEdge } from "../catalog/lineage.js";
import { AssetRef, loadAssets } from "./asset.js";

const LineageEdgeRef = builder.objectRef<LineageEdge>("LineageEdge").implement({
  description: "`downstream` depends on `upstream`.",
  fields: (t) => ({ upstream: t.exposeString("upstream"), downstream: t.exposeString("downstream") }),
});

interface Lineage {
  keys: string[];
  edges: LineageEdge[];
}

const LineageRef = builder.objectRef<Lineage>("Lineage").implement({
  description: "A piece of the asset graph, for drawing: nodes and the edges between them.",
  fields: (t) => ({
    nodes: t.field({ type: [AssetRef], resolve: (lineage, _args, ctx, info) => loadAssets(ctx, info, lineage.keys) }),
    edges: t.field({ type: [LineageEdgeRef], resolve: (lineage) => lineage.edges }),
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
      if (!args.keys) {
        const edges = await edgesAmong(ctx.db.sql, null);
        const keys = await ctx.db.sql.query<{ key: string }>(
          `SELECT key FROM "AssetNode" UNION SELECT "upstreamKey" FROM "AssetDependency" ORDER BY 1`,
        );
        return { keys: keys.map((r) => r.key), edges };
      }
      const start = args.keys.map((key, i) => parseAssetKey(key, `keys.${i}`));
      const [up, down] = await Promise.all([
        walkLineage(ctx.db.sql, start, "upstream", args.upstreamDepth, "upstreamDepth"),
        walkLineage(ctx.db.sql, start, "downstream", args.downstreamDepth, "downstreamDepth"),
      ]);
      const keys = [...new Set([...start, ...up, ...down])].sort();
      return { keys, edges: await edgesAmong(ctx.db.sql, keys) };
    },
  }),
);
