import { createToken, listTokens, openDatabase, revokeToken } from "@strata/server";
import type { StrataClient } from "@strata/sdk";
import { CliError } from "./cli-error.js";
import { acquirePgliteLock } from "./pglite-lock.js";
import { readEnv } from "./server-launch.js";

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

/**
 * Tokens straight in the server's database (DATABASE_URL, else PGlite in $STRATA_HOME/db),
 * with the same functions the server uses: how the first admin token of a server that
 * requires one comes to exist. The embedded database must not be open in a running server.
 *
 * @example
 * ```ts
 * const store = await databaseTokenStore("token create");
 * try { await store.create({ name: "admin", scopes: ["admin"], expiresAt: null }); } finally { await store.close(); }
 * ```
 */
export async function databaseTokenStore(command: string): Promise<TokenStore> {
  const env = readEnv();
  const lock = env.DATABASE_URL
    ? null
    : acquirePgliteLock(env.pgliteDir, command, "; stop it first, or manage tokens through it with --server URL --token <admin token>");
  let db: Awaited<ReturnType<typeof openDatabase>>;
  try {
    db = await openDatabase({ url: env.DATABASE_URL, dataDir: env.pgliteDir });
  } catch (error) {
    lock?.release();
    throw error;
  }
  // The server's token functions throw its own expected errors (a taken name, an unknown
  // scope, no such token): each is a sentence for the user.
  const expected = (error: unknown): never => {
    if (error instanceof Error && typeof (error as { code?: unknown }).code === "string") throw new CliError(error.message);
    throw error;
  };
  return {
    describe: `the database ${db.location}`,
    async create(input) {
      const created = await createToken(db.prisma, input).catch(expected);
      const record = (await listTokens(db.prisma)).find((t) => t.name === created.name)!;
      return { secret: created.token, token: toRecord(record) };
    },
    list: async () => (await listTokens(db.prisma)).map(toRecord),
    revoke: async (name) => toRecord(await revokeToken(db.prisma, name).catch(expected)),
    async close() {
      await db.close();
      lock?.release();
    },
  };
}

interface DatabaseToken {
  name: string;
  prefix: string;
  scopes: string[];
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

function toRecord(t: DatabaseToken): TokenRecord {
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  return { name: t.name, prefix: t.prefix, scopes: t.scopes, createdAt: t.createdAt.toISOString(), lastUsedAt: iso(t.lastUsedAt), expiresAt: iso(t.expiresAt), revokedAt: iso(t.revokedAt) };
}
