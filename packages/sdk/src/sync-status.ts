import type { ClientConnection } from "./client-connection.js";
import type {
  FreshnessState as GeneratedFreshnessState,
  SyncCauseCategory as GeneratedSyncCauseCategory,
  SyncCauseFieldsFragment,
  SyncState as GeneratedSyncState,
} from "./generated/graphql.js";
import { unwrapResult } from "./result-union.js";

/**
 * SYNCED (its latest materialization used its current code and its dependencies' current data),
 * UNSYNCED (see the causes) or MISSING (never materialized).
 *
 * @example
 * ```ts
 * const todo: SyncState[] = ["UNSYNCED", "MISSING"];
 * ```
 */
export type SyncState = GeneratedSyncState;

/**
 * CODE (its code version changed), DATA (a dependency has new data, or is itself unsynced for a
 * DATA reason) or DEPENDENCIES (a dependency was added or removed).
 *
 * @example
 * ```ts
 * const category: SyncCauseCategory = "DATA";
 * ```
 */
export type SyncCauseCategory = GeneratedSyncCauseCategory;

/**
 * An asset's freshness under its policy: PASS, WARN, FAIL, or UNKNOWN (never materialized and
 * no deadline passed yet).
 *
 * @example
 * ```ts
 * const late = await client.assets({ freshness: "FAIL" satisfies FreshnessState });
 * ```
 */
export type FreshnessState = GeneratedFreshnessState;

/**
 * Why an asset (or one partition of it) is unsynced, in Dagster's words (`reason`: "has a new
 * code version", "has a new dependency data version", "stale dependency"...). `children` are the
 * dependency's own causes, all the way down.
 *
 * @example
 * ```ts
 * const print = (c: SyncCause, indent = ""): void => {
 *   console.log(`${indent}${c.assetKey} ${c.reason}`);
 *   for (const child of c.children) print(child, `${indent}  `);
 * };
 * ```
 */
export interface SyncCause extends SyncCauseFieldsFragment {
  children: SyncCause[];
}

/**
 * One asset's sync status: its state, the causes as a tree, and the root causes (the leaves:
 * what to materialize or fix first). For a partitioned asset asked without a partition, the
 * state is UNSYNCED when any partition is (with that partition's causes), and
 * `unsyncedPartitions` lists them as ranges.
 *
 * @example
 * ```ts
 * const status: AssetSyncStatus = await client.assetSyncStatus("sales/revenue");
 * if (status.state === "UNSYNCED") console.log(status.rootCauses.map((c) => `${c.assetKey} ${c.reason}`));
 * ```
 */
export interface AssetSyncStatus {
  key: string;
  /** The partition asked about; null for the asset whole. */
  partition: string | null;
  state: SyncState;
  causes: SyncCause[];
  /** The leaves of `causes` (their `children` are empty). */
  rootCauses: SyncCause[];
  /** A partitioned asset's unsynced partitions as ranges of consecutive keys; null when it is not partitioned. */
  unsyncedPartitions: { count: number; ranges: { startKey: string; endKey: string; count: number }[] } | null;
}

/** A cause as one query returns it: where the query's fixed depth ends, children are only named. */
type FetchedCause = SyncCauseFieldsFragment & { children: ReadonlyArray<FetchedCause | { assetKey: string }> };

const isFetched = (c: FetchedCause | { assetKey: string }): c is FetchedCause => "category" in c;

/**
 * The status with its whole cause tree. A query's depth is fixed, so where the tree goes deeper
 * than the operation asks, the rest is the dependency's own DATA causes (exactly what the server
 * nests under "stale dependency"), fetched with one more query per such dependency.
 */
export async function fetchAssetSyncStatus({ sdk }: ClientConnection, key: string, partition: string | null): Promise<AssetSyncStatus> {
  const more = new Map<string, Promise<SyncCause[]>>();
  const load = async (assetKey: string, part: string | null) => {
    const asset = unwrapResult((await sdk.AssetSyncStatus({ key: assetKey, partition: part })).asset, "Asset");
    return { asset, causes: await Promise.all(asset.syncStatus.causes.map(tree)) };
  };
  const dependencyCauses = (cause: FetchedCause): Promise<SyncCause[]> => {
    const id = `${cause.dependency}[${cause.dependencyPartition ?? ""}]`;
    let causes = more.get(id);
    if (!causes) {
      causes = load(cause.dependency!, cause.dependencyPartition).then((r) => r.causes.filter((c) => c.category === "DATA"));
      more.set(id, causes);
    }
    return causes;
  };
  async function tree(cause: FetchedCause): Promise<SyncCause> {
    const { children, ...fields } = cause;
    const fetched = children.filter(isFetched);
    const cut = fetched.length < children.length && cause.dependency !== null;
    return { ...fields, children: cut ? await dependencyCauses(cause) : await Promise.all(fetched.map(tree)) };
  }
  const { asset, causes } = await load(key, partition);
  return {
    key: asset.key,
    partition,
    state: asset.syncStatus.state,
    causes,
    rootCauses: asset.syncStatus.rootCauses.map((c) => ({ ...c, children: [] })),
    unsyncedPartitions: asset.unsyncedPartitions,
  };
}
