import type { AutomationAssetState, AutomationConditionNode, AutomationCursor } from "@strata/protocol";
import { resolveCheckStatus } from "../checks/status.js";
import type { Sql } from "../db/sql.js";

/** Whether `op` occurs anywhere in the tree. */
function usesOp(node: AutomationConditionNode, op: string): boolean {
  return node.op === op || (node.children ?? []).some((child) => usesOp(child, op));
}

// Whether a tree asks if an asset's latest run failed, once per parsed tree (a tick asks it of
// thousands of assets, most sharing a few trees).
const asksFailure = new WeakMap<AutomationConditionNode, boolean>();
function usesExecutionFailed(tree: AutomationConditionNode): boolean {
  let uses = asksFailure.get(tree);
  if (uses === undefined) {
    uses = usesOp(tree, "executionFailed");
    asksFailure.set(tree, uses);
  }
  return uses;
}

/** The materializations a tick reads: ids in (`after`, `upTo`] are newly updated. */
export interface MaterializationWindow {
  after: bigint;
  upTo: bigint;
}

interface StateRow {
  key: string;
  latestId: string | null;
  latestRunId: string | null;
  newlyUpdated: boolean;
  partitionInProgress: boolean;
  executionFailed: boolean | null;
  checks: CheckRow[] | null;
  cursor: AutomationCursor | null;
  resultHash: string | null;
}

interface CheckRow {
  key: string;
  blocking: boolean;
  status: string | null;
  runStatus: string | null;
}

/** An asset's cursor as the last tick that evaluated it stored it, with the hash of the evaluation last written. */
export interface StoredCursor {
  cursor: AutomationCursor;
  resultHash: string | null;
}

/** What a tick reads of the assets it evaluates: their states and, for a location's, their stored cursors. */
export interface AssetStatesRead {
  states: AutomationAssetState[];
  cursors: Map<string, StoredCursor>;
}

/** The asset keys runs and backfills in progress select, read once per tick. */
interface InProgress {
  runs: ReadonlySet<string>;
  backfills: ReadonlySet<string>;
}

/** An asset as a tick reads it: automated ones with their condition, dependencies bare. */
export type AssetToRead = { key: string; deps: readonly string[]; condition: AutomationConditionNode | null; partitionKey?: string | null };

/**
 * Reads assets' states for one tick, in one statement a call (whatever the number of assets),
 * with the cursor `cursorsOf` (a location id) stored for each when it has one. The assets that
 * runs and backfills in progress select are read once, at the first call: a tick that reads in
 * rounds sees them as of its start (each round used to unnest every in-progress selection again).
 *
 * @example
 * ```ts
 * const read = assetStateReader(tx, { after, upTo }, location.id);
 * const { states, cursors } = await read([{ key: "b", deps: ["a"], condition }, { key: "a", deps: [], condition: null }]);
 * ```
 */
export function assetStateReader(
  sql: Sql,
  window: MaterializationWindow,
  cursorsOf: string | null = null,
): (assets: readonly AssetToRead[]) => Promise<AssetStatesRead> {
  let inProgress: Promise<InProgress> | null = null;
  // A run's selection once per tick, however many of its assets are read: one run of 10,000
  // assets returned its selection with each of them.
  const selections = new Map<string, string[]>();
  return async (assets) => {
    inProgress ??= readInProgress(sql);
    const read = await readAssetStates(sql, assets, window, cursorsOf, await inProgress);
    const unknown = [...new Set(read.runIds.values())].filter((id) => !selections.has(id));
    if (unknown.length) {
      const runs = await sql.query<{ id: string; selection: string[] }>(`SELECT id, selection FROM "Run" WHERE id = ANY($1::text[])`, [
        unknown,
      ]);
      for (const run of runs) selections.set(run.id, run.selection);
    }
    for (const state of read.states) {
      const runId = read.runIds.get(state.key);
      if (runId !== undefined) state.latestRunTargets = selections.get(runId) ?? null;
    }
    return { states: read.states, cursors: read.cursors };
  };
}

async function readInProgress(sql: Sql): Promise<InProgress> {
  const rows = await sql.query<{ key: string; backfill: boolean }>(
    `SELECT DISTINCT unnest(selection) AS key, false AS backfill FROM "Run" WHERE status IN ('QUEUED', 'STARTING', 'STARTED', 'CANCELING')
     UNION SELECT DISTINCT unnest("assetKeys"), true FROM "Backfill" WHERE status IN ('REQUESTED', 'CANCELING')`,
  );
  return {
    runs: new Set(rows.filter((r) => !r.backfill).map((r) => r.key)),
    backfills: new Set(rows.filter((r) => r.backfill).map((r) => r.key)),
  };
}

/**
 * Each asset's state at a tick: missing (no materialization), newly updated (one in the window since the previous
 * tick), a run or backfill in progress that selects it, its latest run failed, the selection of
 * the run of its latest materialization, and its checks' latest results. An asset given a
 * `partitionKey` (a time-partitioned one's latest window) is read for that partition from its
 * status row (`AssetPartition`): missing until materialized, in progress or failed as the
 * partition's latest run; one given `null` (no window yet) reads as not missing. Other assets are
 * read whole: a partitioned dependency of another kind counts as materialized once any partition is.
 */
async function readAssetStates(
  sql: Sql,
  assets: readonly AssetToRead[],
  window: MaterializationWindow,
  cursorsOf: string | null,
  inProgress: InProgress,
): Promise<AssetStatesRead & { runIds: Map<string, string> }> {
  const keys = assets.map((a) => a.key);
  // Whole assets have no partition ('' keeps the array's elements non-null for unnest).
  const partitions = assets.map((a) => (a.partitionKey === undefined ? null : (a.partitionKey ?? "")));
  // Whether any condition asks if an asset's latest run failed: that look-up costs a probe of
  // the runs per asset.
  const needsFailure = assets.some((a) => a.condition !== null && usesExecutionFailed(a.condition));
  const rows = await sql.query<StateRow>(
    `SELECT k.key,
            CASE WHEN k.part IS NULL THEN m.id::text WHEN k.part = '' THEN '0' ELSE p."lastMaterializationId"::text END AS "latestId",
            COALESCE(m."runId", pm."runId") AS "latestRunId",
            EXISTS (SELECT 1 FROM "Materialization" x WHERE x."assetKey" = k.key AND x.id > $2::bigint AND x.id <= $3::bigint
                    AND (k.part IS NULL OR x.partition = k.part)) AS "newlyUpdated",
            k.part IS NOT NULL AND COALESCE(p.status = 'IN_PROGRESS', false) AS "partitionInProgress",
            CASE WHEN k.part IS NOT NULL THEN COALESCE(p.status = 'FAILED', false)
              WHEN $5::boolean THEN (SELECT r.status = 'FAILURE' FROM "Run" r WHERE r.selection @> ARRAY[k.key] ORDER BY r."createdAt" DESC, r.id DESC LIMIT 1)
              ELSE false END AS "executionFailed",
            -- An aggregate per asset cost ~3 µs even without checks: only those with one pay it.
            CASE WHEN EXISTS (SELECT 1 FROM "AssetCheck" c WHERE c."assetKey" = k.key) THEN
              (SELECT json_agg(json_build_object('key', c.key, 'blocking', c.blocking, 'status', e.status, 'runStatus', r.status) ORDER BY c.key)
               FROM "AssetCheck" c
               LEFT JOIN LATERAL (SELECT status, "runId" FROM "AssetCheckExecution" WHERE "checkKey" = c.key ORDER BY id DESC LIMIT 1) e ON true
               LEFT JOIN "Run" r ON r.id = e."runId"
               WHERE c."assetKey" = k.key) END AS checks,
            cur.cursor, cur."resultHash"
     FROM unnest($1::text[], $4::text[]) AS k(key, part)
     LEFT JOIN LATERAL (SELECT id, "runId" FROM "Materialization" WHERE k.part IS NULL AND "assetKey" = k.key AND id <= $3::bigint
                        ORDER BY id DESC LIMIT 1) m ON true
     LEFT JOIN LATERAL (SELECT status, "lastMaterializationId" FROM "AssetPartition"
                        WHERE k.part IS NOT NULL AND "assetKey" = k.key AND "partitionKey" = k.part OFFSET 0) p ON true
     LEFT JOIN "Materialization" pm ON pm.id = p."lastMaterializationId"

     LEFT JOIN "AutomationCursor" cur ON cur."locationId" = $6 AND cur."assetKey" = k.key`,
    [keys, window.after.toString(), window.upTo.toString(), partitions, needsFailure, cursorsOf],
  );
  const checksOf = (row: StateRow): AutomationAssetState["checks"] =>
    (row.checks ?? []).map((check) => {
      const status = check.status ? resolveCheckStatus(check.status, check.runStatus) : null;
      const passed = status === "SUCCEEDED" ? true : status === "FAILED" || status === "EXECUTION_FAILED" ? false : null;
      return { key: check.key, blocking: check.blocking, passed };
    });
  const byKey = new Map(rows.map((r) => [r.key, r]));
  const cursors = new Map<string, StoredCursor>();
  for (const row of rows) if (row.cursor) cursors.set(row.key, { cursor: row.cursor, resultHash: row.resultHash });
  const states = assets.map((asset): AutomationAssetState => {
    const row = byKey.get(asset.key)!;
    return {
      key: asset.key,
      deps: asset.deps,
      missing: row.latestId === null,
      // A time-partitioned asset's window is in progress as its partition's status says.
      runInProgress: asset.partitionKey === undefined ? inProgress.runs.has(asset.key) : row.partitionInProgress,
      backfillInProgress: inProgress.backfills.has(asset.key),
      executionFailed: row.executionFailed === true,
      newlyUpdated: row.newlyUpdated,
      // Filled in by the reader from the run's selection (runIds).
      latestRunTargets: null,
      // Needs the code version each tick saw; not tracked yet, so never true.
      codeVersionChanged: false,
      checks: checksOf(row),
      condition: asset.condition,
      ...(asset.partitionKey !== undefined ? { partitionKey: asset.partitionKey } : {}),
    };
  });
  // The run of each asset's latest materialization (none: runless, or never materialized).
  const runIds = new Map<string, string>();
  for (const row of rows) if (row.latestId !== null && row.latestRunId !== null) runIds.set(row.key, row.latestRunId);
  return { states, cursors, runIds };
}
