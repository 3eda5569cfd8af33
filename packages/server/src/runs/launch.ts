import { markInProgress } from "../partitions/status.js";
import { type PartitionRequest, type RunPartitions, resolveRunPartitions } from "../partitions/run-partitions.js";
import { randomUUID } from "node:crypto";
import { resolveSelection, SelectionError, type RunSelection } from "@strata/protocol";
import type { Sql } from "../db/sql.js";
import type { Run } from "../generated/prisma/client.js";
import { InvalidArgumentError, InvalidSelectionError } from "../errors.js";
import { parseAssetKey } from "../catalog/asset-key.js";
import type { ManifestCache } from "./manifest-cache.js";
import { lockQueue } from "./queue.js";
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
  /** The partitions it materializes: marked IN_PROGRESS in the transaction that stores it. */
  partitions?: RunPartitions | null;
}

/**
 * The stored run as its row: the same fields Prisma's `Run` has, so GraphQL can answer the
 * launch without reading it back.
 */
export type RunRow = Run;

/** The run's first status: STARTING when it was admitted at once, else QUEUED for the coordinator. */
export type NewRunStatus = "QUEUED" | "STARTING";

/**
 * Stores a run and its PENDING steps. With `admitUpTo` (the global limit; 0 for none) and no
 * tag limits to weigh, a run that would be next anyway (nothing queued ahead of it, a slot
 * free) is admitted in the same transaction, under the coordinator's lock: it is STARTING when
 * the launch commits, and its start skips a coordinator pass. Otherwise it is QUEUED.
 */
export async function insertRun(
  sql: Sql,
  run: NewRun,
  admitUpTo: number | null,
): Promise<{ id: string; status: NewRunStatus; row: RunRow }> {
  const id = randomUUID();
  const params = [
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
    admitUpTo ?? -1,
    run.partitions?.key ?? null,
    run.partitions?.range?.start ?? null,
    run.partitions?.range?.end ?? null,
  ];
  const statement = `WITH decision AS (
       SELECT CASE WHEN $14::int >= 0
                    AND NOT EXISTS (SELECT 1 FROM "Run" WHERE status = 'QUEUED')
                    AND ($14::int = 0 OR (SELECT count(*) FROM "Run" WHERE status IN ('STARTING', 'STARTED', 'CANCELING')) < $14::int)
                   THEN 'STARTING' ELSE 'QUEUED' END AS status),
     run AS (
       INSERT INTO "Run" (id, status, "startingAt", "locationId", "versionId", selection, plan, tags, "tagPairs", priority, "parentRunId",
                          "rootRunId", "reexecutionStrategy", "createdBy", "createdAt", "updatedAt", "partitionKey",
                          "partitionRangeStart", "partitionRangeEnd")
       SELECT $1, d.status::"RunStatus", CASE WHEN d.status = 'STARTING' THEN now() END, $2, $3, $4::text[], $5::jsonb, $6::jsonb,
              $7::text[], $8, $9, $10, $11::"ReexecutionStrategy", $12, now(), now(), $15, $16, $17
       FROM decision d
       RETURNING *),
     steps AS (INSERT INTO "RunStep" ("runId", "stepKey") SELECT run.id, step FROM run, unnest($13::text[]) AS step)
     SELECT * FROM run`;
  // Admission reads the queue, so it holds the coordinator's lock (taken before the statement,
  // whose snapshot then includes every earlier decision); a plain QUEUED insert needs none.
  const partitions = run.partitions;
  const [row] =
    admitUpTo === null && !partitions
      ? await sql.query<RunRow>(statement, params)
      : await sql.transaction(async (tx) => {
          if (admitUpTo !== null) await lockQueue(tx, { durable: true });
          const rows = await tx.query<RunRow>(statement, params);
          if (partitions)
            await markInProgress(
              tx,
              id,
              partitions.assetKeys.filter((key) => run.plan.assetKeys.includes(key)),
              partitions.partitions,
            );
          return rows;
        });
  return { id, status: row!.status as NewRunStatus, row: row! };
}

/**
 * Validates a selection of asset keys against the catalog and the owning location's current
 * manifest (the same rules the location's executor applies), then queues the run.
 */
export async function launchRun(
  sql: Sql,
  manifests: ManifestCache,
  input: { assetKeys: readonly string[]; tags?: unknown; createdBy: string } & PartitionRequest,
  admitUpTo: number | null,
): Promise<{ id: string; status: NewRunStatus; row: RunRow; location: string }> {
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
      const reason =
        error.code === "partial_multi_asset"
          ? "PARTIAL_MULTI_ASSET"
          : error.code === "empty_selection"
            ? "EMPTY_SELECTION"
            : "UNKNOWN_ASSETS";
      throw new InvalidSelectionError(reason, error.message, keys);
    }
    throw error;
  }
  const partitions = await resolveRunPartitions(sql, selection.assetKeys, input);
  const run = await insertRun(
    sql,
    {
      locationId,
      versionId,
      plan: { planVersion: 1, stepKeys: selection.stepKeys, assetKeys: selection.assetKeys, reusedOutputs: [] },
      tags,
      createdBy: input.createdBy,
      partitions,
    },
    admitUpTo,
  );
  return { ...run, location };
}
