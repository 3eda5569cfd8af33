import type { FreshnessPolicy } from "@strata/protocol";
import type { ClientConnection } from "./client-connection.js";
import { type AssetFreshnessFieldsFragment, FreshnessChangedDocument, type FreshnessChangedSubscription } from "./generated/graphql.js";
import { unwrapResult } from "./result-union.js";
import type { StrataSubscription, SubscribeOptions } from "./subscriptions/reconnecting-subscription.js";

/**
 * An asset's freshness under its policy: its `state` (PASS, WARN, FAIL or UNKNOWN) `since` when,
 * and when it changes next if nothing is materialized (`nextTransitionAt`, null: not before a
 * materialization). Times are ISO strings.
 *
 * @example
 * ```ts
 * const f: AssetFreshness | null = await client.assetFreshness("sales/orders");
 * if (f?.state === "WARN") console.log(`stale since ${f.since}, failing at ${f.nextTransitionAt}`);
 * ```
 */
export type AssetFreshness = Omit<AssetFreshnessFieldsFragment, "policy"> & {
  /** The policy it is held to; null only in a change event of an asset whose policy was removed since. */
  policy: FreshnessPolicy | null;
};

/**
 * The freshness methods of {@link StrataClient}.
 *
 * @example
 * ```ts
 * const freshness: FreshnessMethods = createClient({ url });
 * console.log((await freshness.assetFreshness("sales/orders"))?.state);
 * ```
 */
export interface FreshnessMethods {
  /**
   * An asset's freshness, or null when its definition has no freshness policy. Throws
   * `NotFoundError` for a key Strata has never seen. Requires `read`.
   *
   * @example
   * ```ts
   * const freshness = await client.assetFreshness("sales/orders");
   * console.log(freshness ? `${freshness.state} since ${freshness.since}` : "no policy");
   * ```
   */
  assetFreshness(key: string): Promise<AssetFreshness | null>;

  /**
   * Each change of freshness state of `assetKeys` (all assets when absent). Changes while the
   * connection is down are not replayed: read `assetFreshness` to catch up. Requires `read`.
   *
   * @example
   * ```ts
   * for await (const f of client.freshnessChanged({ assetKeys: ["sales/orders"] })) console.log(f.assetKey, f.state);
   * ```
   */
  freshnessChanged(variables?: { assetKeys?: string[] | null }, options?: SubscribeOptions): StrataSubscription<AssetFreshness>;
}

// The server validates a stored policy against @strata/protocol's schema before answering; JSON
// is `unknown` in the generated types, so the type is given back here.
const typed = (f: AssetFreshnessFieldsFragment): AssetFreshness => f as AssetFreshness;

export function freshnessMethods({ sdk, subscribe }: ClientConnection): FreshnessMethods {
  return {
    async assetFreshness(key) {
      const asset = unwrapResult((await sdk.AssetFreshness({ key })).asset, "Asset");
      return asset.freshness ? typed(asset.freshness) : null;
    },
    freshnessChanged(variables = {}, options = {}) {
      return subscribe(
        FreshnessChangedDocument,
        { assetKeys: variables.assetKeys ?? null },
        (data: FreshnessChangedSubscription) => typed(data.freshnessChanged),
        options,
      );
    },
  };
}
