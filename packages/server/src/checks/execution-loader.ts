import type { GraphQLResolveInfo } from "graphql";
import type { Context } from "../context.js";
import { tickBatcher } from "../db/tick-batch.js";
import type { AssetCheckExecution } from "../generated/prisma/client.js";

/** Which execution of a check a field answers. */
export type ExecutionPick = { kind: "latest" } | { kind: "forLatestMaterialization"; partition: string | null };

// One id per check key: the newest execution, or the newest that targets the asset's latest
// materialization (of the partition). Each is a walk of an index from its newest end.
const PICKS = {
  latest: `SELECT k.key, l.id::text AS id FROM unnest($1::text[]) AS k(key)
           CROSS JOIN LATERAL (SELECT x.id FROM "AssetCheckExecution" x WHERE x."checkKey" = k.key ORDER BY x.id DESC LIMIT 1) l`,
  forLatestMaterialization: `SELECT k.key, l.id::text AS id FROM unnest($1::text[]) AS k(key)
           CROSS JOIN LATERAL (SELECT m.id FROM "Materialization" m WHERE m."assetKey" = split_part(k.key, '#', 1)
                               AND ($2::text IS NULL OR m.partition = $2) ORDER BY m.id DESC LIMIT 1) latest
           CROSS JOIN LATERAL (SELECT x.id FROM "AssetCheckExecution" x WHERE x."checkKey" = k.key AND x."targetMaterializationId" = latest.id
                               ORDER BY x.id DESC LIMIT 1) l`,
};

const executionBatch = tickBatcher<AssetCheckExecution | undefined>();

/**
 * One check's execution for a field resolved once per check of a list (`checks { latestExecution }`
 * over a page of assets): the calls made in the same tick for the same field share one statement
 * for the ids and one Prisma read with the field's selection (`query`), instead of two each.
 */
export async function loadExecution(
  ctx: Context,
  info: GraphQLResolveInfo,
  query: object,
  pick: ExecutionPick,
  checkKey: string,
): Promise<AssetCheckExecution | null> {
  // Every item's field shares its AST node, and so its arguments and selection.
  const rows = await executionBatch(ctx, info.fieldNodes[0], [checkKey], async (keys) => {
    const params = pick.kind === "latest" ? [keys] : [keys, pick.partition];
    const ids = await ctx.db.sql.query<{ key: string; id: string }>(PICKS[pick.kind], params);
    if (ids.length === 0) return new Map();
    const found = await ctx.db.prisma.assetCheckExecution.findMany({
      ...query,
      where: { id: { in: ids.map((r) => BigInt(r.id)) } },
    });
    const byId = new Map(found.map((row) => [row.id.toString(), row]));
    return new Map(ids.map((r) => [r.key, byId.get(r.id)]));
  });
  return rows.get(checkKey) ?? null;
}
