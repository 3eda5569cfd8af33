/**
 * @strata/sdk: a typed client for Strata's GraphQL API, generated with graphql-codegen from the
 * server's schema.
 *
 * @example
 * import { createClient } from "@strata/sdk";
 * const client = createClient({ url: "http://localhost:4000/graphql" });
 * const health = await client.health();
 */
export { createClient, type ClientOptions, type StrataClient } from "./client.js";
