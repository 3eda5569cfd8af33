import type { Manifest } from "@strata/protocol";
import type { Sql } from "../db/sql.js";
import { refreshLocationCheckHealth } from "./health.js";

/**
 * Stores a registered manifest's checks beside its asset nodes (the registration has just
 * replaced those, and their checks went with them), then folds each asset's check health again:
 * checks added or removed change it, and the nodes were new rows without it.
 */
export async function registerChecks(
  tx: Sql,
  manifest: Manifest,
  locationId: string,
  /** Whether the location had asset nodes before this registration (and so maybe checks). */
  hadNodes: boolean,
): Promise<void> {
  // A location's first nodes have no checks stored and no health yet: with none in the manifest,
  // there is nothing to delete, write or fold (three statements over every node, ~20 ms for
  // 10,000 on PostgreSQL and ~50 ms on PGlite).
  if (!hadNodes && manifest.checks.length === 0) return;
  // Checks of the location's assets that the manifest no longer has go; the others are written
  // again (an unchanged asset keeps its row, and with it its checks).
  await tx.query(
    `DELETE FROM "AssetCheck" c USING "AssetNode" n
     WHERE c."assetKey" = n.key AND n."locationId" = $1 AND NOT (c.key = ANY($2::text[]))`,
    [locationId, manifest.checks.map((c) => c.key)],
  );
  if (manifest.checks.length) {
    const kinds = new Map(manifest.steps.map((s) => [s.key, s.kind]));
    const rows = manifest.checks.map((c) => ({
      key: c.key,
      asset_key: c.assetKey,
      name: c.name,
      description: c.description,
      blocking: c.blocking,
      step_key: c.stepKey,
      own_step: kinds.get(c.stepKey) === "check",
    }));
    await tx.query(
      `INSERT INTO "AssetCheck" (key, "assetKey", name, description, blocking, "stepKey", "ownStep")
       SELECT r.key, r.asset_key, r.name, r.description, r.blocking, r.step_key, r.own_step
       FROM jsonb_to_recordset($1::jsonb) AS r(key text, asset_key text, name text, description text, blocking boolean, step_key text, own_step boolean)
       ON CONFLICT (key) DO UPDATE SET "assetKey" = excluded."assetKey", name = excluded.name, description = excluded.description,
         blocking = excluded.blocking, "stepKey" = excluded."stepKey", "ownStep" = excluded."ownStep"`,
      [JSON.stringify(rows)],
    );
  }
  await refreshLocationCheckHealth(tx, locationId);
}
