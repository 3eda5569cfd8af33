import type { Database } from "../db/database.js";
import { parseEnv } from "../env.js";
import { createMemoryLogger, type Logger } from "../logger.js";
import { startServer, type StrataServer, type StrataServerOptions } from "../server.js";
import { openTestDatabase } from "./test-database.js";

/**
 * A real server on a free loopback port for tests that speak HTTP or WebSocket to it: `env` is
 * parsed as the process environment would be, the database defaults to a fresh test database
 * (closed by the server's owner through `server.db.close()`), logs go to memory.
 *
 * @example
 * const server = await startLoopbackServer({ env: { STRATA_MAX_SUBSCRIPTIONS_PER_TOKEN: "3" } });
 */
export async function startLoopbackServer(
  options: { env?: Record<string, string>; db?: Database; logger?: Logger; auth?: StrataServerOptions["auth"] } = {},
): Promise<StrataServer> {
  return startServer({
    env: parseEnv(options.env ?? {}),
    db: options.db ?? (await openTestDatabase()),
    port: 0,
    host: "127.0.0.1",
    logger: options.logger ?? createMemoryLogger(),
    ...(options.auth ? { auth: options.auth } : {}),
  });
}
