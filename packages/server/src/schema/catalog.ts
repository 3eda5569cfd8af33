import { queryFromInfo } from "@pothos/plugin-prisma";
import type { GraphQLResolveInfo } from "graphql";
import { builder } from "../builder.js";
import { requireScope } from "../auth/principal.js";
import { assetRowColumns } from "../catalog/asset-rows.js";
import { countAssets, searchAssetRows, searchAssets, type AssetSearch } from "../catalog/search.js";
import type { Context } from "../context.js";
import { InvalidArgumentError } from "../errors.js";
import { AssetRef, loadAssets } from "./asset.js";
import { AssetCheckHealthEnum } from "./asset-check.js";
import { FreshnessStateEnum } from "./freshness.js";
import { SyncStateEnum } from "./sync.js";
import { drainForReader } from "../sync/sync-refresher.js";

const DEFAULT_PAGE_SIZE = 50;
const NODE_PATH = ["edges", "node"];

/**
 * One page of the catalog, in key order as the database sorts (the order its cursors page in).
 * When the nodes' selection reads only Asset's and its definition's columns, the search returns
 * them in its one statement (catalog/asset-rows.ts); otherwise Prisma loads them by key.
 */
async function loadPage(ctx: Context, info: GraphQLResolveInfo, filter: AssetSearch, page: { first: number; after: string | null }) {
  // Planning the query also records, for Pothos, what the nodes were loaded with.
  const query = queryFromInfo({ context: ctx, info, typeName: "Asset", path: NODE_PATH });
  // Stored sync states are refreshed behind ingest: what is queued first, so a reader sees its writes.
  if (filter.syncStatus || readsSyncState(query)) await drainForReader(ctx.db.sql);
  const columns = assetRowColumns(query);
  // Aborted when the client goes away (a search box's superseded keystroke): the search stops.
  const searched = { ...page, signal: ctx.request.signal };
  if (columns) {
    const found = await searchAssetRows(ctx.db, filter, searched, columns);
    return { nodes: found.rows.map((row) => columns.shape(row)), hasNextPage: found.hasNextPage };
  }
  const found = await searchAssets(ctx.db, filter, searched);
  const byKey = new Map((await loadAssets(ctx, info, found.keys, NODE_PATH)).map((node) => [node.key, node]));
  return { nodes: found.keys.flatMap((key) => byKey.get(key) ?? []), hasNextPage: found.hasNextPage };
}

/** Whether the planned nodes read their definitions' stored sync state (`Asset.syncState`). */
function readsSyncState(query: Record<string, unknown>): boolean {
  const { include, select } = query as { include?: Record<string, unknown>; select?: Record<string, unknown> };
  const definition = (include ?? select)?.definition as true | { select?: Record<string, unknown> } | undefined;
  if (definition === undefined) return false;
  // `true` or a definition without a select: all its columns, the sync state among them.
  return definition === true || !definition.select || definition.select.syncState === true;
}

function decodeCursor(cursor: string | null | undefined): string | null {
  if (!cursor) return null;
  const key = Buffer.from(cursor, "base64url").toString("utf8");
  if (!key.startsWith("asset:")) throw new InvalidArgumentError("after", "is not a cursor this query returned");
  return key.slice("asset:".length);
}

function encodeCursor(key: string): string {
  return Buffer.from(`asset:${key}`).toString("base64url");
}

builder.queryField("assets", (t) =>
  t.connection(
    {
      type: AssetRef,
      description: "The catalog: currently defined assets, searched and filtered on the server with indexes, ordered by key.",
      args: {
        search: t.arg.string({ required: false, description: "Words that must all occur in the key, description or text metadata." }),
        keyPrefix: t.arg.string({ required: false, description: 'Whole key parts: "sales" matches "sales/orders".' }),
        group: t.arg.string({ required: false }),
        owner: t.arg.string({ required: false }),
        tag: t.arg.string({ required: false, description: '"name=value", or "name" for any value.' }),
        kind: t.arg.string({ required: false }),
        location: t.arg.string({ required: false, description: "A code location's name." }),
        checkHealth: t.arg({
          type: AssetCheckHealthEnum,
          required: false,
          description: "Assets whose checks' latest results fold to this (assets without checks have none).",
        }),
        syncStatus: t.arg({
          type: SyncStateEnum,
          required: false,
          description: "Assets in this sync state (a partitioned one is UNSYNCED when any partition is).",
        }),
        freshness: t.arg({ type: FreshnessStateEnum, required: false, description: "Assets with a freshness policy in this state." }),
      },
      resolve: async (_root, args, ctx, info) => {
        requireScope(ctx.principal, "read");
        if (args.before || args.last) throw new InvalidArgumentError("last", "the catalog pages forwards only: use first and after");
        const filter: AssetSearch = args;
        const first = args.first ?? DEFAULT_PAGE_SIZE;
        const page = await loadPage(ctx, info, filter, { first, after: decodeCursor(args.after) });
        const nodes = page.nodes;
        return {
          filter,
          edges: nodes.map((node) => ({ cursor: encodeCursor(node.key), node })),
          pageInfo: {
            hasNextPage: page.hasNextPage,
            hasPreviousPage: Boolean(args.after),
            startCursor: nodes[0] ? encodeCursor(nodes[0].key) : null,
            endCursor: nodes.at(-1) ? encodeCursor(nodes.at(-1)!.key) : null,
          },
        };
      },
    },
    {
      name: "AssetConnection",
      fields: (c) => ({
        totalCount: c.int({
          description: "How many assets match, across all pages (counted only when asked for).",
          resolve: (connection, _args, ctx) => countAssets(ctx.db, (connection as unknown as { filter: AssetSearch }).filter),
        }),
      }),
    },
  ),
);
