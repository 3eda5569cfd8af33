import type { StrataClient } from "@strata/sdk";

/** A token as `strata token` prints it, whichever way it was read. */
export interface TokenRecord {
  name: string;
  prefix: string;
  scopes: string[];
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
}

/** Where `strata token` reads and writes tokens: the server's API, or its database directly. */
export interface TokenStore {
  /** "the server at URL" or "the database at X", for messages. */
  readonly describe: string;
  create(input: { name: string; scopes: string[]; expiresAt: Date | null }): Promise<{ secret: string; token: TokenRecord }>;
  list(): Promise<TokenRecord[]>;
  revoke(name: string): Promise<TokenRecord>;
  close(): Promise<void>;
}

/**
 * Tokens through the API: needs a server and an `admin` token.
 *
 * @example
 * ```ts
 * const store = apiTokenStore(createClient({ url, token }), url);
 * ```
 */
export function apiTokenStore(client: StrataClient, url: string): TokenStore {
  return {
    describe: `the server at ${url}`,
    create: async (input) => client.createToken(input),
    list: () => client.tokens(),
    revoke: (name) => client.revokeToken(name),
    async close() {},
  };
}
