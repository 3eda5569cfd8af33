import { randomUUID } from "node:crypto";
import { resolveSelection, SelectionError, type RunSelection } from "@strata/definitions/plan";
import type { Sql } from "../db/sql.js";
import { InvalidArgumentError, InvalidSelectionError } from "../errors.js";
import { parseAssetKey } from "../catalog/asset-key.js";
import type { ManifestCache } from "./manifest-cache.js";
import type { RunPlan } from "./run-plan.js";
import { parseTags, priorityOf, tagPairs } from "./run-tags.js";

export interface NewRun {
  locationId: string;
  versionId: string;
  plan: RunPlan;
  tags: Record<string, string>;
  parentRunId?: string | null;
  rootRunId?: string | null;
  strategy?: string | null;
  createdBy: string;
}

/** Stores a QUEUED run and its PENDING steps; returns its id. */
export async function insertRun(sql: Sql, run: NewRun): Promise<string> {
  const id = randomUUID();
  // One statement, so atomic without a transaction, and one round trip on the launch path.
  await sql.query(
    `WITH run AS (
       INSERT INTO "Run" (id, status, "locationId", "versionId", selection, plan, tags, "tagPairs", priority, "parentRunId",
                          "rootRunId", "reexecutionStrategy", "createdBy", "createdAt", "updatedAt")
       VALUES ($1, 'QUEUED', $2, $3, $4::text[], $5::jsonb, $6::jsonb, $7::text[], $8, $9, $10, $11::"ReexecutionStrategy", $12, now(), now())
       RETURNING id)
     INSERT INTO "RunStep" ("runId", "stepKey") SELECT run.id, step FROM run, unnest($13::text[]) AS step`,
    [
      id,
      run.locationId,
      run.versionId,
      run.plan.assetKeys,
      JSON.stringify(run.plan),
      JSON.stringify(run.tags),
      tagPairs(run.tags),
      priorityOf(run.tags),
      run.parentRunId ?? null,
      run.rootRunId ?? null,
      run.strategy ?? null,
      run.createdBy,
      run.plan.stepKeys,
    ],
  );
  return id;
}

/**
 * Validates a selection of asset keys against the catalog and the owning location's current
 * manifest (the same rules the location's executor applies), then queues the run.
 */
export async function launchRun(
  sql: Sql,
  manifests: ManifestCache,
  input: { assetKeys: readonly string[]; tags?: unknown; createdBy: string },
): Promise<string> {
  if (input.assetKeys.length === 0) throw new InvalidSelectionError("EMPTY_SELECTION", "Select at least one asset to launch a run");
  if (input.assetKeys.length > 100_000) throw new InvalidArgumentError("assetKeys", "select at most 100,000 assets");
  const keys = [...new Set(input.assetKeys.map((key, i) => parseAssetKey(key, `assetKeys.${i}`)))];
  const tags = parseTags(input.tags);
  const nodes = await sql.query<{ key: string; locationId: string; location: string; versionId: string | null; status: string }>(
    `SELECT n.key, n."locationId", l.name AS location, l."currentVersionId" AS "versionId", l.status
     FROM "AssetNode" n JOIN "CodeLocation" l ON l.id = n."locationId" WHERE n.key = ANY($1::text[])`,
    [keys],
  );
  const found = new Set(nodes.map((n) => n.key));
  const unknown = keys.filter((k) => !found.has(k));
  if (unknown.length) {
    throw new InvalidSelectionError("UNKNOWN_ASSETS", `No code location defines ${unknown.map((k) => `"${k}"`).join(", ")}`, unknown);
  }
  const locations = [...new Set(nodes.map((n) => n.location))].sort();
  if (locations.length > 1) {
    throw new InvalidSelectionError(
      "MULTIPLE_LOCATIONS",
      `A run executes in one code location, but the selection spans ${locations.join(", ")}: launch one run per location`,
      keys,
    );
  }
  const { locationId, versionId, location } = nodes[0]!;
  if (!versionId) throw new InvalidSelectionError("NOT_LOADED", `Code location "${location}" has no registered manifest`);
  let selection: RunSelection;
  try {
    selection = resolveSelection(await manifests.get(sql, versionId), keys);
  } catch (error) {
    if (error instanceof SelectionError) {
      const reason = error.code === "partial_multi_asset" ? "PARTIAL_MULTI_ASSET" : error.code === "empty_selection" ? "EMPTY_SELECTION" : "UNKNOWN_ASSETS";
      throw new InvalidSelectionError(reason, error.message, keys);
    }
    throw error;
  }
  return insertRun(sql, {
    locationId,
    versionId,
    plan: { planVersion: 1, stepKeys: selection.stepKeys, assetKeys: selection.assetKeys, reusedOutputs: [] },
    tags,
    createdBy: input.createdBy,
  });
}
