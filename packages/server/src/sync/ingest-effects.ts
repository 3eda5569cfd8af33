/**
 * What storing materializations changes besides the rows themselves, in the same transaction:
 * stored sync states (this asset's; its downstream closure's through the refresh queue, see
 * sync-refresher.ts) and freshness. Assets without
 * lineage or partitions (most of a wide multi-asset's outputs) take a path without statements
 * unless their state changes, so a 10,000-output run pays for what it changes.
 */
import type { Sql } from "../db/sql.js";
import { type FreshnessChange, refreshFreshnessAtIngest } from "../freshness/freshness-store.js";
import type { NodeRow } from "./provenance.js";
import { refreshSyncStates, writeSyncStates } from "./sync-state.js";
import { queueSyncRefresh } from "./sync-refresher.js";

/** Collected during an ingest transaction; the caller publishes them once it commits. */
export interface IngestEffects {
  freshness: FreshnessChange[];
  /** Some stored freshness schedule moved: timers must look again. */
  freshnessRescheduled: boolean;
  /** Assets were queued for a sync refresh: the refresher must drain (publishSyncRefresh). */
  syncQueued: boolean;
}

export const newIngestEffects = (): IngestEffects => ({ freshness: [], freshnessRescheduled: false, syncQueued: false });

export async function afterMaterializations(
  tx: Sql,
  /** The materializations stored, as columns: their assets, code versions and timestamps (ISO). */
  keys: readonly string[],
  codeVersions: readonly (string | null)[],
  timestamps: readonly string[],
  nodes: ReadonlyMap<string, NodeRow>,
  effects: IngestEffects | undefined,
): Promise<void> {
  const lastCode = new Map<string, string | null>();
  const latest = new Map<string, Date>();
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    lastCode.set(key, codeVersions[i] ?? null);
    const node = nodes.get(key);
    if (node?.hasFreshness) {
      const at = new Date(timestamps[i]!);
      if (!(latest.get(key)! >= at)) latest.set(key, at);
    }
  }
  // An unpartitioned asset with no lineage is in sync unless it was materialized with another code version.
  const simple: Array<{ key: string; state: string }> = [];
  const closure: string[] = [];
  for (const [key, code] of lastCode) {
    const node = nodes.get(key);
    if (!node) continue;
    if (node.partitions === null && node.deps.length === 0 && !node.hasDownstream) {
      const state = node.codeVersion !== null && node.codeVersion !== code ? "UNSYNCED" : "SYNCED";
      if (state !== node.syncState) simple.push({ key, state });
    } else closure.push(key);
  }
  await writeSyncStates(tx, simple);
  // The closure is walked behind the write, once per burst of reports; without a caller to
  // publish the notice, here and now.
  if (!effects) await refreshSyncStates(tx, closure);
  else if (closure.length > 0) {
    await queueSyncRefresh(tx, closure);
    effects.syncQueued = true;
  }
  if (latest.size > 0) {
    const changes = await refreshFreshnessAtIngest(tx, latest, Date.now());
    effects?.freshness.push(...changes);
    if (effects) effects.freshnessRescheduled = true;
  }
}
