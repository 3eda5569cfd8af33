import type { ClientConnection } from "./client-connection.js";
import type { AssetQuery, AssetSummaryFieldsFragment, LineageLayoutQuery, LineageQuery, LineageStatesQuery } from "./generated/graphql.js";
import type { Materialization } from "./materializations.js";
import type { AssetCheckHealth } from "./checks.js";
import { type AssetSyncStatus, fetchAssetSyncStatus, type FreshnessState, type SyncState } from "./sync-status.js";
import { toPage, type Page } from "./page.js";
import { unwrapResult, type Unwrapped } from "./result-union.js";

/**
 * An asset as the catalog lists it: key, whether it is defined, and its definition's labels.
 *
 * @example
 * ```ts
 * const names: string[] = (await client.assets()).items.map((a: AssetSummary) => a.key);
 * ```
 */
export type AssetSummary = AssetSummaryFieldsFragment;

type AssetNode = Unwrapped<AssetQuery["asset"], "Asset">;

/**
 * One asset in full: its definition (with the location that defines it), its latest
 * materialization, a page of its history, and its neighbours upstream and downstream.
 *
 * @example
 * ```ts
 * const orders: AssetDetail = await client.asset("sales/orders");
 * console.log(orders.definition?.group, orders.materializations.items.length);
 * ```
 */
export type AssetDetail = Omit<AssetNode, "materializations"> & { materializations: Page<Materialization> };

/**
 * A piece of the asset graph: nodes and `upstream → downstream` edges between them.
 *
 * @example
 * ```ts
 * const { nodes, edges }: Lineage = await client.lineage({ keys: ["sales/orders"] });
 * ```
 */
export type Lineage = LineageQuery["lineage"];

/**
 * The whole asset graph laid out by the server, as parallel arrays indexed by node: `keys[i]` sits
 * at (`x[i]`, `y[i]`) in group `groups[group[i]]`; `edges` are flattened [upstream, downstream]
 * index pairs. Cached on the server per `graphHash`.
 *
 * @example
 * ```ts
 * const layout: LineageLayout = await client.lineageLayout();
 * const i = layout.keys.indexOf("sales/orders");
 * console.log(layout.x[i], layout.y[i], layout.groups[layout.group[i]!]!.name);
 * ```
 */
export type LineageLayout = LineageLayoutQuery["lineageLayout"];

/**
 * Each asset's sync state and check health now, aligned with the layout of the same `graphHash`
 * (null: an asset no location defines, or no checks).
 *
 * @example
 * ```ts
 * const { syncStates }: LineageStates = await client.lineageStates();
 * ```
 */
export type LineageStates = LineageStatesQuery["lineageLayout"];

/**
 * Catalog filters; all given ones must match. The server answers them from indexes.
 *
 * @example
 * ```ts
 * const filter: AssetFilter = { search: "orders daily", group: "sales", tag: "tier=gold" };
 * ```
 */
export interface AssetFilter {
  /** Words that must all occur in the key, description or text metadata. */
  search?: string | undefined;
  /** Whole key parts: "sales" matches "sales/orders", not "salesforce/x". */
  keyPrefix?: string | undefined;
  group?: string | undefined;
  /** An email or `team:<name>`. */
  owner?: string | undefined;
  /** `name=value`, or `name` for any value. */
  tag?: string | undefined;
  kind?: string | undefined;
  /** A code location's name. */
  location?: string | undefined;
  /** Assets whose checks' latest results fold to this (assets without checks have none). */
  checkHealth?: AssetCheckHealth | undefined;
  /** Assets in this sync state (a partitioned one is UNSYNCED when any partition is). */
  syncStatus?: SyncState | undefined;
  /** Assets with a freshness policy in this state. */
  freshness?: FreshnessState | undefined;
}

/**
 * Options of {@link CatalogMethods.assets}.
 *
 * @example
 * ```ts
 * const options: AssetsOptions = { group: "sales", first: 20, totalCount: true };
 * ```
 */
export interface AssetsOptions extends AssetFilter {
  /** Page size (server default 50, at most 500). */
  first?: number | undefined;
  /** The `endCursor` of the previous page. */
  after?: string | null | undefined;
  /** Also count every match (one more query on the server); otherwise `totalCount` is null. */
  totalCount?: boolean | undefined;
}

/**
 * One page of catalog results, ordered by key.
 *
 * @example
 * ```ts
 * const page: AssetPage = await client.assets({ group: "sales", totalCount: true });
 * console.log(`${page.items.length} of ${page.totalCount}`);
 * ```
 */
export interface AssetPage extends Page<AssetSummary> {
  /** How many assets match across all pages, when asked for with `totalCount: true`. */
  totalCount: number | null;
}

/**
 * Options of {@link CatalogMethods.asset}.
 *
 * @example
 * ```ts
 * const options: AssetOptions = { materializations: { first: 5 }, upstreamDepth: null };
 * ```
 */
export interface AssetOptions {
  /** Which page of the materialization history (newest first; default the 10 newest). */
  materializations?: { first?: number; after?: string | null };
  /** How many edges upstream to list (default 1; null: all). */
  upstreamDepth?: number | null;
  /** How many edges downstream to list (default 1; null: all). */
  downstreamDepth?: number | null;
}

/**
 * Options of {@link CatalogMethods.lineage}.
 *
 * @example
 * ```ts
 * const options: LineageOptions = { keys: ["sales/orders"], upstreamDepth: 2, downstreamDepth: null };
 * ```
 */
export interface LineageOptions {
  /** Start from these keys; without them, the whole graph. */
  keys?: string[] | undefined;
  /** Edges to follow upstream (null or absent: no limit). */
  upstreamDepth?: number | null | undefined;
  /** Edges to follow downstream (null or absent: no limit). */
  downstreamDepth?: number | null | undefined;
}

/**
 * The catalog methods of {@link StrataClient}.
 *
 * @example
 * ```ts
 * const catalog: CatalogMethods = createClient({ url });
 * await catalog.assets({ search: "orders" });
 * ```
 */
export interface CatalogMethods {
  /**
   * One page of the catalog: currently defined assets matching every filter given, by key.
   * Requires `read`.
   *
   * @example
   * ```ts
   * const page = await client.assets({ search: "revenue", group: "finance", first: 20, totalCount: true });
   * console.log(`${page.items.length} of ${page.totalCount}`, page.items.map((a) => a.key));
   * const next = page.hasNextPage ? await client.assets({ search: "revenue", after: page.endCursor }) : null;
   * ```
   */
  assets(options?: AssetsOptions): Promise<AssetPage>;

  /**
   * Every matching asset, fetched page by page as the loop advances. Requires `read`.
   *
   * @example
   * ```ts
   * for await (const asset of client.allAssets({ location: "sales" })) console.log(asset.key);
   * ```
   */
  allAssets(filter?: AssetFilter, options?: { pageSize?: number }): AsyncIterable<AssetSummary>;

  /**
   * One asset by key (`"sales/orders"`), with its definition, history and neighbours. Throws
   * `NotFoundError` for a key Strata has never seen. Requires `read`.
   *
   * @example
   * ```ts
   * const orders = await client.asset("sales/orders", { materializations: { first: 3 }, downstreamDepth: null });
   * console.log(orders.definition?.location.name, orders.latestMaterialization?.timestamp);
   * ```
   */
  asset(key: string, options?: AssetOptions): Promise<AssetDetail>;

  /**
   * Whether an asset (or one `partition` of a partitioned asset) is in sync with its code and
   * its dependencies' data, with the causes as a tree and the root causes (Dagster's rules).
   * Throws `NotFoundError` for an unknown key, `PartitionKeysNotFoundError` for a partition of an
   * unpartitioned asset. Requires `read`.
   *
   * @example
   * ```ts
   * const status = await client.assetSyncStatus("sales/daily_revenue", { partition: "2024-01-03" });
   * for (const root of status.rootCauses) console.log(`${root.assetKey} ${root.reason}`);
   * ```
   */
  assetSyncStatus(key: string, options?: { partition?: string | undefined }): Promise<AssetSyncStatus>;

  /**
   * The asset graph around `keys`, across code locations (without keys: all of it). Requires
   * `read`.
   *
   * @example
   * ```ts
   * const { nodes, edges } = await client.lineage({ keys: ["sales/revenue"], upstreamDepth: 2, downstreamDepth: 0 });
   * for (const e of edges) console.log(`${e.upstream} → ${e.downstream}`);
   * ```
   */
  lineage(options?: LineageOptions): Promise<Lineage>;
  /**
   * The whole graph placed for drawing (groups as boxes, assets in layered columns), computed
   * on the server once per graph (`graphHash`); the states are {@link CatalogMethods.lineageStates}.
   *
   * @example
   * ```ts
   * const { keys, groups } = await client.lineageLayout();
   * console.log(`${keys.length} assets in ${groups.length} groups`);
   * ```
   */
  lineageLayout(): Promise<LineageLayout>;
  /**
   * Each asset's state now, aligned with `lineageLayout()` of the same `graphHash`: what a page
   * drawing the layout colours its nodes with, fetched apart so that the layout stays cacheable.
   *
   * @example
   * ```ts
   * const [layout, states] = await Promise.all([client.lineageLayout(), client.lineageStates()]);
   * if (states.graphHash === layout.graphHash) console.log(layout.keys[0], states.syncStates[0]);
   * ```
   */
  lineageStates(): Promise<LineageStates>;
}

export function catalogMethods(connection: ClientConnection): CatalogMethods {
  const { sdk } = connection;
  const methods: CatalogMethods = {
    async assets(options = {}) {
      const { totalCount, ...variables } = options;
      const { assets } = await sdk.Assets({ ...variables, withTotalCount: totalCount === true });
      return { ...toPage(assets), totalCount: assets.totalCount ?? null };
    },
    async *allAssets(filter = {}, options = {}) {
      let after: string | null = null;
      do {
        const page: AssetPage = await methods.assets({ ...filter, first: options.pageSize ?? 200, after });
        yield* page.items;
        after = page.hasNextPage ? page.endCursor : null;
      } while (after);
    },
    async asset(key, options = {}) {
      const { asset } = await sdk.Asset({
        key,
        materializationsFirst: options.materializations?.first,
        materializationsAfter: options.materializations?.after,
        upstreamDepth: options.upstreamDepth,
        downstreamDepth: options.downstreamDepth,
      });
      const found = unwrapResult(asset, "Asset");
      return { ...found, materializations: toPage(found.materializations) };
    },
    assetSyncStatus(key, options = {}) {
      return fetchAssetSyncStatus(connection, key, options.partition ?? null);
    },
    async lineage(options = {}) {
      return (await sdk.Lineage(options)).lineage;
    },
    async lineageLayout() {
      return (await sdk.LineageLayout()).lineageLayout;
    },
    async lineageStates() {
      return (await sdk.LineageStates()).lineageLayout;
    },
  };
  return methods;
}
