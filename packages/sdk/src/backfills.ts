import type { ClientConnection } from "./client-connection.js";
import {
  BackfillChangedDocument,
  type BackfillChangedSubscription,
  type BackfillFieldsFragment,
  type BackfillFilter as GeneratedBackfillFilter,
  type BackfillQuery,
  type BackfillStatus as GeneratedBackfillStatus,
  type PreviewBackfillMutation,
} from "./generated/graphql.js";
import { toPage, type Page } from "./page.js";
import { unwrapResult, type Unwrapped } from "./result-union.js";
import type { StrataSubscription, SubscribeOptions } from "./subscriptions/reconnecting-subscription.js";

/**
 * REQUESTED → COMPLETED_SUCCESS or COMPLETED_FAILED; CANCELING → CANCELED when canceled.
 *
 * @example
 * ```ts
 * const finished: BackfillStatus[] = ["COMPLETED_SUCCESS", "COMPLETED_FAILED", "CANCELED"];
 * ```
 */
export type BackfillStatus = GeneratedBackfillStatus;

/**
 * Which targeted partitions a backfill fills, per asset: ALL, MISSING, or FAILED_AND_MISSING.
 *
 * @example
 * ```ts
 * const only: BackfillFilter = "MISSING";
 * ```
 */
export type BackfillFilter = GeneratedBackfillFilter;

/**
 * A backfill: its status, its planned runs by state (`chunkCounts`) and each asset's progress.
 *
 * @example
 * ```ts
 * const { chunkCounts, assetStatuses } = await client.backfill(id);
 * for (const a of assetStatuses) console.log(a.assetKey, `${a.materialized}/${a.targeted}`);
 * ```
 */
export type Backfill = BackfillFieldsFragment;

/**
 * A backfill with its first runs.
 *
 * @example
 * ```ts
 * const { runs } = await client.backfill(id, { runs: 10 });
 * ```
 */
export type BackfillDetail = Unwrapped<BackfillQuery["backfill"], "Backfill">;

/**
 * What launchBackfill would create: the run count and the first chunks.
 *
 * @example
 * ```ts
 * const { runCount, chunks } = await client.previewBackfill({ assetKeys: ["sales/orders"], all: true });
 * ```
 */
export type BackfillPreview = Unwrapped<PreviewBackfillMutation["previewBackfill"], "BackfillPreview">;

/**
 * The assets (one code location, one partitions definition) and their partitions to fill:
 * `from`/`to` (keys, inclusive), `keys`, or `all`.
 *
 * @example
 * ```ts
 * const input: LaunchBackfillInput = { assetKeys: ["sales/orders"], from: "2024-01-01", to: "2024-03-31", maxPartitionsPerRun: 7 };
 * ```
 */
export interface LaunchBackfillInput {
  assetKeys: string[];
  from?: string | undefined;
  to?: string | undefined;
  keys?: string[] | undefined;
  all?: boolean | undefined;
  only?: BackfillFilter | undefined;
  /** Overrides the assets' backfill policies. */
  maxPartitionsPerRun?: number | undefined;
  /** One run per contiguous range; overrides the assets' backfill policies. */
  singleRun?: boolean | undefined;
  tags?: Record<string, string> | undefined;
  title?: string | undefined;
}

/** Backfills: launch or preview one, follow it, cancel it, retry what it did not materialize. */
export interface BackfillMethods {
  /**
   * Plans a backfill and queues the runs of its chunks that wait for nothing; the others start
   * as the runs they depend on succeed. Throws `PartitionKeysNotFoundError`,
   * `AssetNotPartitionedError`, `InvalidSelectionError` or `InvalidArgumentError` (nothing to
   * fill); nothing is written then. Requires `launch`.
   *
   * @example
   * ```ts
   * const backfill = await client.launchBackfill({ assetKeys: ["sales/orders"], from: "2024-01-01", to: "2024-03-31" });
   * console.log(backfill.id, backfill.runCount);
   * ```
   */
  launchBackfill(input: LaunchBackfillInput): Promise<Backfill>;
  /**
   * The runs launchBackfill would create (the first `first` chunks, default 100); nothing is written. Requires `launch`.
   *
   * @example
   * ```ts
   * const { runCount } = await client.previewBackfill({ assetKeys: ["sales/orders"], all: true, only: "MISSING" });
   * ```
   */
  previewBackfill(input: LaunchBackfillInput, options?: { first?: number | undefined }): Promise<BackfillPreview>;
  /**
   * One backfill with its first `runs` runs (default 100). `NotFoundError` for an unknown id. Requires `read`.
   *
   * @example
   * ```ts
   * const backfill = await client.backfill(id);
   * ```
   */
  backfill(id: string, options?: { runs?: number | undefined }): Promise<BackfillDetail>;
  /**
   * Backfills, newest first, one page at a time. Requires `read`.
   *
   * @example
   * ```ts
   * const { items } = await client.backfills({ status: ["REQUESTED"] });
   * ```
   */
  backfills(options?: {
    status?: BackfillStatus[] | undefined;
    first?: number | undefined;
    after?: string | null | undefined;
  }): Promise<Page<Backfill>>;
  /**
   * Cancels a backfill: its queued runs at once, its started runs through their workers;
   * nothing launches afterwards. `BackfillStatusError` when it has ended. Requires `launch`.
   *
   * @example
   * ```ts
   * const { status } = await client.cancelBackfill(id); // "CANCELING" or "CANCELED"
   * ```
   */
  cancelBackfill(id: string): Promise<Backfill>;
  /**
   * A child backfill over exactly the (asset, partition) pairs a finished backfill did not
   * materialize. `BackfillStatusError` while it runs. Requires `launch`.
   *
   * @example
   * ```ts
   * const retry = await client.reexecuteBackfill(id);
   * console.log(retry.parentBackfillId === id);
   * ```
   */
  reexecuteBackfill(id: string, strategy?: "FROM_FAILURE"): Promise<Backfill>;
  /**
   * The backfill each time its chunks or status change. Changes while disconnected are not
   * replayed: read `backfill(id)` after a reconnection. Requires `read`.
   *
   * @example
   * ```ts
   * for await (const b of client.backfillChanged(id)) if (b.endedAt) break;
   * ```
   */
  backfillChanged(id: string, options?: SubscribeOptions): StrataSubscription<Backfill>;
}

export function backfillMethods({ sdk, subscribeRoot }: ClientConnection): BackfillMethods {
  return {
    async launchBackfill(input) {
      return unwrapResult((await sdk.LaunchBackfill({ input })).launchBackfill, "Backfill");
    },
    async previewBackfill(input, options = {}) {
      return unwrapResult((await sdk.PreviewBackfill({ input, first: options.first })).previewBackfill, "BackfillPreview");
    },
    async backfill(id, options = {}) {
      return unwrapResult((await sdk.Backfill({ id, runs: options.runs })).backfill, "Backfill");
    },
    async backfills(options = {}) {
      return toPage((await sdk.Backfills(options)).backfills);
    },
    async cancelBackfill(id) {
      return unwrapResult((await sdk.CancelBackfill({ id })).cancelBackfill, "Backfill");
    },
    async reexecuteBackfill(id, strategy = "FROM_FAILURE") {
      return unwrapResult((await sdk.ReexecuteBackfill({ id, strategy })).reexecuteBackfill, "Backfill");
    },
    backfillChanged(id, options = {}) {
      return subscribeRoot<BackfillChangedSubscription>(BackfillChangedDocument, { id }, options);
    },
  };
}
