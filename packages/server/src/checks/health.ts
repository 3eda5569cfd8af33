import type { Sql } from "../db/sql.js";

/**
 * An asset's check health, folded from each current check's latest *completed* execution (an
 * execution still planned does not count until it ends, as in Dagster's AssetCheckHealthState):
 * FAILING when one failed with ERROR or threw, else WARNING when one failed with WARN, else
 * PASSING when every check passed, else NOT_EVALUATED (some check has no result yet). An asset
 * without checks has none (null). A check that a failed run never reached keeps its previous
 * result: the asset was not materialized again, so that result still describes it.
 */
const HEALTH = `
  SELECT c."assetKey",
         CASE WHEN bool_or(e.status = 'EXECUTION_FAILED' OR (e.status = 'FAILED' AND e.severity = 'ERROR')) THEN 'FAILING'
              WHEN bool_or(e.status = 'FAILED') THEN 'WARNING'
              WHEN count(*) FILTER (WHERE e.status = 'SUCCEEDED') = count(*) THEN 'PASSING'
              ELSE 'NOT_EVALUATED' END::"AssetCheckHealth" AS health
  FROM "AssetCheck" c
  LEFT JOIN LATERAL (
    SELECT x.status, x.severity FROM "AssetCheckExecution" x
    WHERE x."checkKey" = c.key AND x.status <> 'PLANNED' ORDER BY x.id DESC LIMIT 1
  ) e ON true`;

/**
 * Folds the check health of these assets again, in the caller's transaction (the one that
 * stored their new results). Their nodes are locked first, in key order, and the health read in
 * a statement of its own: two runs reporting results for one asset at once then fold one after
 * the other, each seeing the other's committed result.
 */
export async function refreshCheckHealth(tx: Sql, assetKeys: readonly string[]): Promise<void> {
  if (assetKeys.length === 0) return;
  const keys = [...new Set(assetKeys)].sort();
  await tx.query(`SELECT 1 FROM "AssetNode" WHERE key = ANY($1::text[]) ORDER BY key FOR UPDATE`, [keys]);
  await tx.query(
    `UPDATE "AssetNode" n SET "checkHealth" = h.health
     FROM (${HEALTH} WHERE c."assetKey" = ANY($1::text[]) GROUP BY c."assetKey") h
     WHERE n.key = h."assetKey" AND n."checkHealth" IS DISTINCT FROM h.health`,
    [keys],
  );
}

/** Folds the check health of every asset of a location that has checks (after it registered). */
export async function refreshLocationCheckHealth(tx: Sql, locationId: string): Promise<void> {
  await tx.query(
    `UPDATE "AssetNode" n SET "checkHealth" = h.health
     FROM (${HEALTH} JOIN "AssetNode" a ON a.key = c."assetKey" WHERE a."locationId" = $1 GROUP BY c."assetKey") h
     WHERE n.key = h."assetKey" AND n."checkHealth" IS DISTINCT FROM h.health`,
    [locationId],
  );
  // An asset kept by the registration whose checks all went has no health any more.
  await tx.query(
    `UPDATE "AssetNode" n SET "checkHealth" = NULL
     WHERE n."locationId" = $1 AND n."checkHealth" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "AssetCheck" c WHERE c."assetKey" = n.key)`,
    [locationId],
  );
}
