import { createToken, listTokens, openDatabase, revokeToken } from "@strata/server";
import { CliError } from "./cli-error.js";
import { acquirePgliteLock } from "./pglite-lock.js";
import { readEnv } from "./server-launch.js";
import type { TokenRecord, TokenStore } from "./token-store.js";

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
  return {
    name: t.name,
    prefix: t.prefix,
    scopes: t.scopes,
    createdAt: t.createdAt.toISOString(),
    lastUsedAt: iso(t.lastUsedAt),
    expiresAt: iso(t.expiresAt),
    revokedAt: iso(t.revokedAt),
  };
}
