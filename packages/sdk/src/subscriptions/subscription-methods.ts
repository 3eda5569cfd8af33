import type { ClientConnection } from "../client-connection.js";
import {
  AssetMaterializedDocument,
  CodeLocationChangedDocument,
  type AssetMaterializedSubscription,
  type CodeLocationChangedSubscription,
} from "../generated/graphql.js";
import type { Materialization } from "../materializations.js";
import type { StrataSubscription, SubscribeOptions } from "./reconnecting-subscription.js";

/**
 * A code location registered a new manifest (REGISTERED, UPDATED) or reported a LOAD_ERROR.
 *
 * @example
 * ```ts
 * for await (const c of client.codeLocationChanged()) if (c.change === "LOAD_ERROR") alert(c.location.loadError);
 * ```
 */
export type CodeLocationChange = CodeLocationChangedSubscription["codeLocationChanged"];

/**
 * Live events as async iterables, over SSE. Each reconnects by itself with backoff when its
 * connection drops (`onStatus` reports it), and closes when the loop is left or `signal` aborts.
 * Errors the server answers with (a refused token, a bad key) are thrown from the loop.
 *
 * @see {@link StrataClient}
 *
 * @example
 * ```ts
 * const live: SubscriptionMethods = createClient({ url, token });
 * for await (const m of live.assetMaterialized()) console.log(m.assetKey);
 * ```
 */
export interface SubscriptionMethods {
  /**
   * Each new materialization of `keys` (all assets when absent). Events that happen while the
   * connection is down are not replayed; read `asset(key).materializations` to catch up.
   * Requires `read`.
   *
   * @example
   * ```ts
   * for await (const m of client.assetMaterialized({ keys: ["sales/revenue"] })) {
   *   console.log(`${m.assetKey} at ${m.timestamp}`);
   *   if (done) break; // closes the connection
   * }
   * ```
   */
  assetMaterialized(variables?: { keys?: string[] | null }, options?: SubscribeOptions): StrataSubscription<Materialization>;

  /**
   * Each registration, update or load error of any code location. Requires `read`.
   *
   * @example
   * ```ts
   * const abort = new AbortController();
   * for await (const c of client.codeLocationChanged({ signal: abort.signal })) {
   *   console.log(`${c.name}: ${c.change} (version ${c.location.version})`);
   * }
   * ```
   */
  codeLocationChanged(options?: SubscribeOptions): StrataSubscription<CodeLocationChange>;
}

export function subscriptionMethods({ subscribeRoot }: ClientConnection): SubscriptionMethods {
  return {
    assetMaterialized(variables = {}, options = {}) {
      return subscribeRoot<AssetMaterializedSubscription>(AssetMaterializedDocument, { keys: variables.keys ?? null }, options);
    },
    codeLocationChanged(options = {}) {
      return subscribeRoot<CodeLocationChangedSubscription>(CodeLocationChangedDocument, {}, options);
    },
  };
}
