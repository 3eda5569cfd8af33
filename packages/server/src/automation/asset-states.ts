import type { AutomationAssetState, AutomationConditionNode } from "@strata/protocol";
import { resolveCheckStatus } from "../checks/status.js";
import type { Sql } from "../db/sql.js";

/** The materializations a tick reads: ids in (`after`, `upTo`] are newly updated. */
export interface MaterializationWindow {
  after: bigint;
  upTo: bigint;
}

interface StateRow {
  key: string;
  latestId: string | null;
  latestRunTargets: string[] | null;
  newlyUpdated: boolean;
  runInProgress: boolean;
  backfillInProgress: boolean;
  executionFailed: boolean | null;
}

interface CheckRow {
  key: string;
  assetKey: string;
  blocking: boolean;
  status: string | null;
  runStatus: string | null;
}

/**
 * Each asset's state at a tick, read from the tables in two statements (whatever the number of
 * assets): missing (no materialization), newly updated (one in the window since the previous
 * tick), a run or backfill in progress that selects it, its latest run failed, the selection of
 * the run of its latest materialization, and its checks' latest results. Assets are read whole:
 * a partitioned dependency counts as materialized once any partition is.
 */
export async function readAssetStates(
  sql: Sql,
  assets: ReadonlyArray<{ key: string; deps: readonly string[]; condition: AutomationConditionNode | null }>,
  window: MaterializationWindow,
): Promise<AutomationAssetState[]> {
  const keys = assets.map((a) => a.key);
  const rows = await sql.query<StateRow>(
    `SELECT k.key, m.id::text AS "latestId", lr.selection AS "latestRunTargets",
            EXISTS (SELECT 1 FROM "Materialization" x WHERE x."assetKey" = k.key AND x.id > $2::bigint AND x.id <= $3::bigint) AS "newlyUpdated",
            EXISTS (SELECT 1 FROM "Run" r WHERE r.selection @> ARRAY[k.key] AND r.status IN ('QUEUED', 'STARTING', 'STARTED', 'CANCELING')) AS "runInProgress",
            EXISTS (SELECT 1 FROM "Backfill" b WHERE b."assetKeys" @> ARRAY[k.key] AND b.status IN ('REQUESTED', 'CANCELING')) AS "backfillInProgress",
            (SELECT r.status = 'FAILURE' FROM "Run" r WHERE r.selection @> ARRAY[k.key] ORDER BY r."createdAt" DESC, r.id DESC LIMIT 1) AS "executionFailed"
     FROM unnest($1::text[]) AS k(key)
     LEFT JOIN LATERAL (SELECT id, "runId" FROM "Materialization" WHERE "assetKey" = k.key AND id <= $3::bigint ORDER BY id DESC LIMIT 1) m ON true
     LEFT JOIN "Run" lr ON lr.id = m."runId"`,
    [keys, window.after.toString(), window.upTo.toString()],
  );
  const checks = await sql.query<CheckRow>(
    `SELECT c.key, c."assetKey", c.blocking, e.status, r.status AS "runStatus"
     FROM "AssetCheck" c
     LEFT JOIN LATERAL (SELECT status, "runId" FROM "AssetCheckExecution" WHERE "checkKey" = c.key ORDER BY id DESC LIMIT 1) e ON true
     LEFT JOIN "Run" r ON r.id = e."runId"
     WHERE c."assetKey" = ANY($1::text[])
     ORDER BY c.key`,
    [keys],
  );
  const checksOf = new Map<string, AutomationAssetState["checks"][number][]>();
  for (const check of checks) {
    const status = check.status ? resolveCheckStatus(check.status, check.runStatus) : null;
    const passed = status === "SUCCEEDED" ? true : status === "FAILED" || status === "EXECUTION_FAILED" ? false : null;
    const list = checksOf.get(check.assetKey) ?? [];
    list.push({ key: check.key, blocking: check.blocking, passed });
    checksOf.set(check.assetKey, list);
  }
  const byKey = new Map(rows.map((r) => [r.key, r]));
  return assets.map((asset) => {
    const row = byKey.get(asset.key)!;
    return {
      key: asset.key,
      deps: asset.deps,
      missing: row.latestId === null,
      runInProgress: row.runInProgress,
      backfillInProgress: row.backfillInProgress,
      executionFailed: row.executionFailed === true,
      newlyUpdated: row.newlyUpdated,
      latestRunTargets: row.latestId === null ? null : row.latestRunTargets,
      // Needs the code version each tick saw; not tracked yet, so never true.
      codeVersionChanged: false,
      checks: checksOf.get(asset.key) ?? [],
      condition: asset.condition,
    };
  });
}
