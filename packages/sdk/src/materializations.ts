import type { ClientConnection } from "./client-connection.js";
import type { MaterializationFieldsFragment } from "./generated/graphql.js";
import { unwrapResult } from "./result-union.js";

/**
 * A stored materialization: which asset, when, by which run (null: reported), and its metadata.
 *
 * @example
 * ```ts
 * const latest: Materialization | null = (await client.asset("sales/orders")).latestMaterialization;
 * ```
 */
export type Materialization = MaterializationFieldsFragment;

/**
 * A materialization made outside Strata.
 *
 * @example
 * ```ts
 * const input: ReportMaterializationInput = { assetKey: "crm/accounts", metadata: { row_count: 1200 } };
 * ```
 */
export interface ReportMaterializationInput {
  /** Slash-joined key; the asset need not be defined by any location. */
  assetKey: string;
  /** Label → value, or label → `{ type, value }`. */
  metadata?: Record<string, unknown> | undefined;
  partition?: string | undefined;
  description?: string | undefined;
  dataVersion?: string | undefined;
  codeVersion?: string | undefined;
}

/**
 * The materialization methods of {@link StrataClient}.
 *
 * @example
 * ```ts
 * const reporter: MaterializationMethods = createClient({ url, token });
 * await reporter.reportMaterialization({ assetKey: "crm/accounts" });
 * ```
 */
export interface MaterializationMethods {
  /**
   * Records a materialization made outside Strata (Dagster's runless asset event); subscribers
   * of `assetMaterialized` see it at once. Requires `launch`, `admin`, or `location:<name>` of
   * the location that defines the asset.
   *
   * @example
   * ```ts
   * const m = await client.reportMaterialization({ assetKey: "crm/accounts", metadata: { row_count: 1200 }, dataVersion: "v7" });
   * console.log(m.id, m.timestamp);
   * ```
   */
  reportMaterialization(input: ReportMaterializationInput): Promise<Materialization>;
}

export function materializationMethods({ sdk }: ClientConnection): MaterializationMethods {
  return {
    async reportMaterialization(input) {
      const { reportMaterialization } = await sdk.ReportMaterialization(input);
      return unwrapResult(reportMaterialization, "Materialization");
    },
  };
}
