import { GraphQLClient } from "graphql-request";
import { getSdk, type HealthQuery } from "./generated/graphql.js";

export interface ClientOptions {
  /** The server's GraphQL endpoint, e.g. `http://localhost:4000/graphql`. */
  url: string;
  /** An API token (`strata token create`); sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** A fetch implementation (defaults to the global one). */
  fetch?: typeof fetch;
}

/** The typed Strata client. */
export interface StrataClient {
  /**
   * Checks that the server and its database answer.
   *
   * @example
   * const { version, database } = await client.health();
   */
  health(): Promise<HealthQuery["health"]>;
}

/**
 * Creates a typed client for a Strata server.
 *
 * @example
 * import { createClient } from "@strata/sdk";
 * const client = createClient({ url: "http://localhost:4000/graphql", token: process.env.STRATA_TOKEN });
 * console.log((await client.health()).version);
 */
export function createClient(options: ClientOptions): StrataClient {
  const graphql = new GraphQLClient(options.url, {
    ...(options.fetch && { fetch: options.fetch }),
    headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
  });
  const sdk = getSdk(graphql);
  return {
    async health() {
      return (await sdk.Health()).health;
    },
  };
}
