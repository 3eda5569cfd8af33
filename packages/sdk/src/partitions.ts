import type { ClientConnection } from "./client-connection.js";
import type { PartitionStatusQuery } from "./generated/graphql.js";
import { toPage, type Page } from "./page.js";
import { unwrapResult, type Unwrapped } from "./result-union.js";

type PartitionedAsset = Unwrapped<PartitionStatusQuery["asset"], "Asset">;

/**
 * An asset's partitions by status, as ranges (a handful for any number of partitions), with
 * counts; `definition` says how it is partitioned. `null` ranges: the asset is not partitioned.
 *
 * @example
 * ```ts
 * const { ranges, counts } = (await client.partitionStatus("sales/daily_orders")).status!;
 * console.log(`${counts.materialized}/${counts.total}`, ranges.map((r) => `${r.startKey}..${r.endKey} ${r.status}`));
 * ```
 */
export interface PartitionStatusReport {
  assetKey: string;
  definition: NonNullable<NonNullable<PartitionedAsset["definition"]>["partitions"]> | null;
  status: PartitionedAsset["partitionStatus"];
}

/** A dynamic partitions definition's keys, in the order they were added. */
export interface DynamicPartitions {
  name: string;
  keys: string[];
}

/**
 * Partitions: their status, their keys, and the keys of dynamic partitions definitions.
 * Launch a partitioned run with `launchRun({ assetKeys, partition })` or `partitionRange`.
 */
export interface PartitionMethods {
  /**
   * The status of an asset's partitions between `from` and `to` (keys, inclusive; default all).
   *
   * @example
   * ```ts
   * const report = await client.partitionStatus("sales/daily_orders", { from: "2024-03-01", to: "2024-03-31" });
   * ```
   */
  partitionStatus(assetKey: string, options?: { from?: string | undefined; to?: string | undefined }): Promise<PartitionStatusReport>;
  /**
   * A page of an asset's partition keys, in the definition's order.
   *
   * @example
   * ```ts
   * const first = await client.partitionKeys("sales/daily_orders", { first: 10 });
   * ```
   */
  partitionKeys(assetKey: string, options?: { first?: number | undefined; after?: string | null | undefined }): Promise<Page<string>>;
  /**
   * Adds keys to a dynamic partitions definition (`dynamicPartitions(name)`); known keys are kept. Needs `launch`.
   *
   * @example
   * ```ts
   * await client.addDynamicPartitions("customers", ["acme", "globex"]);
   * ```
   */
  addDynamicPartitions(name: string, keys: string[]): Promise<DynamicPartitions>;
  /**
   * Deletes keys of a dynamic partitions definition; their history stays. Throws
   * `PartitionInUseError` while a run that has not ended uses one. Needs `launch`.
   *
   * @example
   * ```ts
   * await client.deleteDynamicPartitions("customers", ["acme"]);
   * ```
   */
  deleteDynamicPartitions(name: string, keys: string[]): Promise<DynamicPartitions>;
}

export function partitionMethods({ sdk }: ClientConnection): PartitionMethods {
  return {
    async partitionStatus(assetKey, options = {}) {
      const { asset } = await sdk.PartitionStatus({ key: assetKey, from: options.from, to: options.to });
      const found = unwrapResult(asset, "Asset");
      return { assetKey: found.key, definition: found.definition?.partitions ?? null, status: found.partitionStatus };
    },
    async partitionKeys(assetKey, options = {}) {
      const { asset } = await sdk.PartitionKeys({ key: assetKey, first: options.first, after: options.after });
      return toPage(unwrapResult(asset, "Asset").partitionKeys);
    },
    async addDynamicPartitions(name, keys) {
      return unwrapResult((await sdk.AddDynamicPartitions({ name, keys })).addDynamicPartitions, "DynamicPartitions");
    },
    async deleteDynamicPartitions(name, keys) {
      return unwrapResult((await sdk.DeleteDynamicPartitions({ name, keys })).deleteDynamicPartitions, "DynamicPartitions");
    },
  };
}
