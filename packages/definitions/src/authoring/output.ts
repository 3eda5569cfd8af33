import type { AssetKeyInput } from "./asset-key.js";
import type { MetadataInput } from "./metadata.js";

/**
 * Metadata and a data version to record with a value.
 *
 * @example
 * ```ts
 * const options: OutputOptions = { metadata: { rows: 3 }, dataVersion: "sha256:ab12" };
 * return output(rows, options);
 * ```
 */
export interface OutputOptions {
  metadata?: MetadataInput;
  /** Identifies the data itself (a content hash, a source's ETag), shown on the materialization. */
  dataVersion?: string;
}

/**
 * A value with metadata, returned or yielded by an asset, multi-asset or op (Dagster's `Output`).
 * `name` says which output of a multi-asset or multi-output op it is.
 * Build one with {@link output}.
 *
 * @example
 * ```ts
 * const orders = asset("orders", async () => {
 *   const rows = await loadOrders();
 *   return output(rows, { metadata: { "strata/row_count": rows.length } });
 * });
 * ```
 */
export class Output<T = unknown, N extends string | undefined = string | undefined> {
  // An ES private field makes the class nominal: a user's plain `{ value }` object stays a value.
  readonly #brand = true;
  readonly value: T;
  readonly name: N;
  readonly metadata: MetadataInput;
  readonly dataVersion: string | null;

  constructor(value: T, name: N, options: OutputOptions = {}) {
    this.value = value;
    this.name = name;
    this.metadata = options.metadata ?? {};
    this.dataVersion = options.dataVersion ?? null;
  }

  /** @internal */
  static isOutput(value: unknown): value is Output {
    return typeof value === "object" && value !== null && #brand in value;
  }
}

/**
 * Wraps a value with metadata and a data version. Give `name` when yielding the outputs of a
 * multi-asset one by one; each is stored and materialized as soon as it is yielded.
 *
 * @example
 * ```ts
 * const split = multiAsset(
 *   { name: "split", outs: { left: new AssetOut(), right: new AssetOut() } },
 *   async function* () {
 *     yield output([1, 2], { name: "left", metadata: { rows: 2 } });
 *     yield output([3], { name: "right" });
 *   },
 * );
 * ```
 */
export function output<T>(value: T, options?: OutputOptions & { name?: undefined }): Output<T, undefined>;
export function output<T, const N extends string>(value: T, options: OutputOptions & { name: N }): Output<T, N>;
export function output<T>(value: T, options: OutputOptions & { name?: string } = {}): Output<T, string | undefined> {
  return new Output(value, options.name, options);
}

/**
 * Reports a materialization without handing a value to the IO manager (Dagster's
 * `MaterializeResult`): for assets that write their data themselves, e.g. a SQL `CREATE TABLE AS`.
 * Downstream assets should then name it in `deps`, not `ins`. In a multi-asset, `assetKey` says
 * which asset it reports.
 *
 * @example
 * ```ts
 * const table = asset("daily_table", async (_, { resources }) => {
 *   const rows = await resources.warehouse.execute("CREATE TABLE daily AS SELECT ...");
 *   return new MaterializeResult({ metadata: { rows } });
 * });
 * ```
 */
export class MaterializeResult {
  readonly #brand = true;
  readonly assetKey: AssetKeyInput | null;
  readonly metadata: MetadataInput;
  readonly dataVersion: string | null;

  constructor(options: OutputOptions & { assetKey?: AssetKeyInput } = {}) {
    this.assetKey = options.assetKey ?? null;
    this.metadata = options.metadata ?? {};
    this.dataVersion = options.dataVersion ?? null;
  }

  /** @internal */
  static isMaterializeResult(value: unknown): value is MaterializeResult {
    return typeof value === "object" && value !== null && #brand in value;
  }
}
