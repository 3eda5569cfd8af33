import { automationMethods, type AutomationMethods } from "./automation.js";
import { scheduleMethods, type ScheduleMethods } from "./schedules.js";
import { backfillMethods, type BackfillMethods } from "./backfills.js";
import { partitionMethods, type PartitionMethods } from "./partitions.js";
import { catalogMethods, type CatalogMethods } from "./catalog.js";
import { checkMethods, type CheckMethods } from "./checks.js";
import { createConnection, type ClientOptions } from "./client-connection.js";
import { codeLocationMethods, type CodeLocationMethods } from "./code-locations.js";
import { freshnessMethods, type FreshnessMethods } from "./freshness.js";
import { healthMethods, type HealthMethods } from "./health.js";
import { materializationMethods, type MaterializationMethods } from "./materializations.js";
import { runMethods, type RunMethods } from "./runs.js";
import { subscriptionMethods, type SubscriptionMethods } from "./subscriptions/subscription-methods.js";
import { tokenMethods, type TokenMethods } from "./tokens.js";

/**
 * The typed Strata client: one method per operation of the server's GraphQL API.
 *
 * Every method returns plain data or throws a `StrataError`: expected failures as the
 * subclass named after the server's error type (`NotFoundError`, `UnauthorizedError`,
 * `InvalidArgumentError`, `InvalidManifestError`, `AssetKeyCollisionError`,
 * `UnauthenticatedError`, `InvalidSelectionError`, `RunStatusError`, `BackfillStatusError`, `NothingToReexecuteError`,
 * `StrataServerError`), carrying its fields, and transport failures as
 * `StrataRequestError`. Subscriptions are async iterables that reconnect by themselves.
 *
 * @example
 * ```ts
 * const client = createClient({ url: "http://localhost:4000/graphql", token: process.env.STRATA_TOKEN });
 * const page = await client.assets({ search: "orders" });
 * ```
 */
export interface StrataClient
  extends HealthMethods,
    CatalogMethods,
    CodeLocationMethods,
    MaterializationMethods,
    CheckMethods,
    FreshnessMethods,
    RunMethods,
    PartitionMethods,
    BackfillMethods,
    AutomationMethods,
    ScheduleMethods,
    TokenMethods,
    SubscriptionMethods {}

/**
 * Creates a typed client for a Strata server.
 *
 * @example
 * ```ts
 * import { createClient, NotFoundError } from "@strata/sdk";
 *
 * const client = createClient({ url: "http://localhost:4000/graphql", token: process.env.STRATA_TOKEN });
 * console.log((await client.health()).version);
 * try {
 *   const orders = await client.asset("sales/orders");
 * } catch (error) {
 *   if (error instanceof NotFoundError) console.log(`no asset ${error.key}`);
 *   else throw error;
 * }
 * ```
 */
export function createClient(options: ClientOptions): StrataClient {
  const connection = createConnection(options);
  return {
    ...healthMethods(connection),
    ...catalogMethods(connection),
    ...codeLocationMethods(connection),
    ...materializationMethods(connection),
    ...checkMethods(connection),
    ...freshnessMethods(connection),
    ...runMethods(connection),
    ...partitionMethods(connection),
    ...backfillMethods(connection),
    ...automationMethods(connection),
    ...scheduleMethods(connection),
    ...tokenMethods(connection),
    ...subscriptionMethods(connection),
  };
}
