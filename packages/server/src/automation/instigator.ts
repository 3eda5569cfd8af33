import { automationConditionSchema, type AutomationConditionNode } from "@strata/protocol";
import type { Sql } from "../db/sql.js";
import { NotFoundError } from "../errors.js";
import type { ManifestCache } from "../runs/manifest-cache.js";

export interface AutomationInstigatorState {
  locationId: string;
  location: string;
  paused: boolean;
  lastTickAt: Date | null;
  /** Null while paused, or before the location's first tick. */
  nextTickAt: Date | null;
}

/**
 * Pauses or resumes a location's automation (Dagster's setAutoMaterializePaused, per location).
 * A paused location gets no ticks; resumed, its next tick compares with its last one, so what
 * was materialized meanwhile counts as newly updated.
 */
export async function setAutomationPaused(sql: Sql, location: string, paused: boolean): Promise<AutomationInstigatorState> {
  const [row] = await sql.query<AutomationInstigatorState>(
    `WITH l AS (SELECT id, name FROM "CodeLocation" WHERE name = $1),
     up AS (
       INSERT INTO "AutomationInstigator" ("locationId", paused, "updatedAt") SELECT id, $2, now() FROM l
       ON CONFLICT ("locationId") DO UPDATE SET paused = EXCLUDED.paused, "updatedAt" = now()
       RETURNING "locationId", paused, "lastTickAt", "nextTickAt")
     SELECT up."locationId", l.name AS location, up.paused, up."lastTickAt", CASE WHEN up.paused THEN NULL ELSE up."nextTickAt" END AS "nextTickAt"
     FROM up JOIN l ON l.id = up."locationId"`,
    [location, paused],
  );
  if (!row) throw new NotFoundError("code location", location);
  return row;
}

/** A location's automation state; a location never ticked nor paused reads as running, no tick yet. */
export async function automationInstigator(sql: Sql, locationId: string): Promise<AutomationInstigatorState | null> {
  const [row] = await sql.query<AutomationInstigatorState>(
    `SELECT l.id AS "locationId", l.name AS location, COALESCE(i.paused, false) AS paused, i."lastTickAt",
            CASE WHEN i.paused THEN NULL ELSE i."nextTickAt" END AS "nextTickAt"
     FROM "CodeLocation" l LEFT JOIN "AutomationInstigator" i ON i."locationId" = l.id WHERE l.id = $1`,
    [locationId],
  );
  return row ?? null;
}

/** The automation condition an asset's current definition carries, or null. */
export async function automationConditionOf(
  sql: Sql,
  manifests: ManifestCache,
  assetKey: string,
  versionId: string,
): Promise<AutomationConditionNode | null> {
  const manifest = await manifests.get(sql, versionId);
  const asset = manifest.assets.find((a) => a.key === assetKey);
  return asset?.automation ? automationConditionSchema.parse(asset.automation) : null;
}
