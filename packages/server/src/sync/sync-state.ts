/**
 * AssetNode.syncState, what `assets(syncStatus: ...)` filters on through its index. A
 * materialization can change the status of its asset and of everything downstream of it (a new
 * data version, propagated as "stale dependency"); a registration can change its location's
 * assets (code versions, dependencies) and theirs. So the transactions that store those
 * recompute exactly that downstream closure, and a query never resolves the whole catalog: the
 * filter reads an index, and `Asset.syncStatus` resolves one asset's lineage for its causes.
 */
import type { Sql } from "../db/sql.js";
import { reachableKeys } from "../catalog/lineage-walk.js";
import { assetStatuses, SyncGraph } from "./sync-graph.js";

/** Recomputes the stored sync state of `keys` and of every asset downstream of them. */
export async function refreshSyncStates(tx: Sql, keys: readonly string[]): Promise<void> {
  if (keys.length === 0) return;
  const closure = await reachableKeys(tx, keys, "downstream");
  const graph = new SyncGraph(tx);
  const defs = await graph.definitions(closure);
  const defined = closure.filter((k) => defs.get(k));
  const statuses = await assetStatuses(graph, defined);
  await writeSyncStates(
    tx,
    defined.map((k) => ({ key: k, state: statuses.get(k)!.state })),
  );
}

/** Stores states, touching only the rows whose state changes. */
export async function writeSyncStates(tx: Sql, states: ReadonlyArray<{ key: string; state: string }>): Promise<void> {
  if (states.length === 0) return;
  await tx.query(
    `UPDATE "AssetNode" n SET "syncState" = s.state::"AssetSyncState"
     FROM unnest($1::text[], $2::text[]) AS s(key, state)
     WHERE n.key = s.key AND n."syncState" IS DISTINCT FROM s.state::"AssetSyncState"`,
    [states.map((s) => s.key), states.map((s) => s.state)],
  );
}
