import type { ClientConnection } from "./client-connection.js";
import type { HealthQuery } from "./generated/graphql.js";

/**
 * The server's version, its database, and one round trip to it.
 *
 * @example
 * ```ts
 * const { version, database } = await client.health();
 * ```
 */
export type Health = HealthQuery["health"];

/** @see {@link StrataClient} */
export interface HealthMethods {
  /**
   * Checks that the server and its database answer. Needs no token.
   *
   * @example
   * ```ts
   * const { version, database, databaseLatencyMs } = await client.health();
   * ```
   */
  health(): Promise<Health>;
}

export function healthMethods({ sdk }: ClientConnection): HealthMethods {
  return {
    async health() {
      return (await sdk.Health()).health;
    },
  };
}
