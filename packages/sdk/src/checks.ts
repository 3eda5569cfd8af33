import type { ClientConnection } from "./client-connection.js";
import {
  AssetCheckEvaluatedDocument,
  type AssetCheckEvaluatedSubscription,
  type AssetCheckExecutionFieldsFragment,
  type AssetCheckFieldsFragment,
  type AssetCheckHealth as GeneratedAssetCheckHealth,
  type AssetCheckSeverity as GeneratedAssetCheckSeverity,
} from "./generated/graphql.js";
import { toPage, type Page } from "./page.js";
import { unwrapResult } from "./result-union.js";
import type { StrataSubscription, SubscribeOptions } from "./subscriptions/reconnecting-subscription.js";

/**
 * An asset's check health: FAILING (a check's latest result failed with ERROR or threw),
 * WARNING (failed with WARN), PASSING (every check passed) or NOT_EVALUATED (some check has no
 * result yet).
 *
 * @example
 * ```ts
 * const bad: AssetCheckHealth[] = ["FAILING", "WARNING"];
 * ```
 */
export type AssetCheckHealth = GeneratedAssetCheckHealth;

/**
 * WARN only warns; ERROR fails the check (and, when it is blocking, stops what is downstream).
 *
 * @example
 * ```ts
 * const severity: AssetCheckSeverity = "WARN";
 * ```
 */
export type AssetCheckSeverity = GeneratedAssetCheckSeverity;

/**
 * One evaluation of a check: IN_PROGRESS, SUCCEEDED, FAILED, EXECUTION_FAILED or SKIPPED, with
 * its severity, metadata, partition, run and the materialization it evaluated.
 *
 * @example
 * ```ts
 * const failed = (e: AssetCheckExecution) => e.status === "FAILED" && e.severity === "ERROR";
 * ```
 */
export type AssetCheckExecution = AssetCheckExecutionFieldsFragment;

/**
 * A check its asset's location defines, with its newest execution and the one for the asset's
 * latest materialization (null after a newer materialization until it runs again).
 *
 * @example
 * ```ts
 * const { checks } = await client.assetChecks("sales/orders");
 * const stale = checks.filter((c: AssetCheck) => c.executionForLatestMaterialization === null);
 * ```
 */
export type AssetCheck = AssetCheckFieldsFragment;

/**
 * A check result evaluated outside Strata's runs.
 *
 * @example
 * ```ts
 * const input: ReportCheckResultInput = { checkKey: "sales/orders#no_nulls", passed: false, severity: "WARN" };
 * ```
 */
export interface ReportCheckResultInput {
  /** `<asset key>#<name>` of a defined check. */
  checkKey: string;
  passed: boolean;
  /** ERROR (the default) or WARN. */
  severity?: AssetCheckSeverity | undefined;
  /** Label → value, or label → `{ type, value }`. */
  metadata?: Record<string, unknown> | undefined;
  description?: string | undefined;
  partition?: string | undefined;
}

/**
 * The asset check methods of {@link StrataClient}.
 *
 * @example
 * ```ts
 * const checks: CheckMethods = createClient({ url, token });
 * const { checkHealth } = await checks.assetChecks("sales/orders");
 * ```
 */
export interface CheckMethods {
  /**
   * An asset's checks and its check health (null when it has none). Throws `NotFoundError` for
   * an unknown asset. Requires `read`.
   *
   * @example
   * ```ts
   * const { checkHealth, checks } = await client.assetChecks("sales/orders");
   * for (const c of checks) console.log(c.key, c.blocking, c.latestExecution?.status ?? "never run");
   * ```
   */
  assetChecks(assetKey: string): Promise<{ checkHealth: AssetCheckHealth | null; checks: AssetCheck[] }>;

  /**
   * A check's executions, newest first, one page at a time; only those of `partition` when
   * given. Throws `NotFoundError` for a check no location defines. Requires `read`.
   *
   * @example
   * ```ts
   * const page = await client.checkExecutions("sales/orders#no_nulls", { first: 20, partition: "2024-01-01" });
   * ```
   */
  checkExecutions(
    checkKey: string,
    options?: { first?: number | undefined; after?: string | null | undefined; partition?: string | undefined },
  ): Promise<Page<AssetCheckExecution>>;

  /**
   * Records a check result evaluated outside Strata (it targets the asset's latest
   * materialization of the partition and updates the asset's check health). Throws
   * `NotFoundError` for an unknown check, `PartitionKeysNotFoundError` for an unknown partition.
   * Requires `launch`, or the token of the location that defines the check.
   *
   * @example
   * ```ts
   * await client.reportCheckResult({ checkKey: "sales/orders#no_nulls", passed: true, metadata: { null_rows: 0 } });
   * ```
   */
  reportCheckResult(input: ReportCheckResultInput): Promise<AssetCheckExecution>;

  /**
   * Each new check result for `assetKeys` (all assets when absent). Results stored while the
   * connection is down are not replayed: read `checkExecutions` to catch up. Requires `read`.
   *
   * @example
   * ```ts
   * for await (const e of client.assetCheckEvaluated({ assetKeys: ["sales/orders"] })) console.log(e.checkKey, e.status);
   * ```
   */
  assetCheckEvaluated(variables?: { assetKeys?: string[] | null }, options?: SubscribeOptions): StrataSubscription<AssetCheckExecution>;
}

export function checkMethods({ sdk, subscribeRoot }: ClientConnection): CheckMethods {
  return {
    async assetChecks(assetKey) {
      const asset = unwrapResult((await sdk.AssetChecks({ assetKey })).asset, "Asset");
      return { checkHealth: asset.checkHealth, checks: asset.checks };
    },
    async checkExecutions(checkKey, options = {}) {
      const check = unwrapResult((await sdk.CheckExecutions({ checkKey, ...options })).assetCheck, "AssetCheck");
      return toPage(check.executions);
    },
    async reportCheckResult(input) {
      return unwrapResult((await sdk.ReportCheckResult(input)).reportCheckResult, "AssetCheckExecution");
    },
    assetCheckEvaluated(variables = {}, options = {}) {
      return subscribeRoot<AssetCheckEvaluatedSubscription>(
        AssetCheckEvaluatedDocument,
        { assetKeys: variables.assetKeys ?? null },
        options,
      );
    },
  };
}
