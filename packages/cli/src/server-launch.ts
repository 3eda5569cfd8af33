import { EnvError, parseEnv, startServer, type Env, type Logger, type StrataServer } from "@strata/server";
import { CliError } from "./cli-error.js";
import { acquirePgliteLock } from "./pglite-lock.js";
import { uiBundleDir } from "./ui-bundle.js";

/**
 * The server's environment (PORT, HOST, DATABASE_URL, STRATA_HOME, REDIS_URL,
 * STRATA_LOG_LEVEL), parsed once; a bad variable is one clear error.
 *
 * @example
 * ```ts
 * const env = readEnv();
 * ```
 */
export function readEnv(source: NodeJS.ProcessEnv = process.env): Env {
  try {
    return parseEnv(source);
  } catch (error) {
    if (error instanceof EnvError) throw new CliError(error.message);
    throw error;
  }
}

/**
 * Parses `--port`.
 *
 * @example
 * ```ts
 * const port = values.port === undefined ? undefined : parsePort(values.port);
 * ```
 */
export function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`--port must be a number from 0 to 65535, not "${value}"`, 2);
  return port;
}

export interface LaunchOptions {
  env: Env;
  /** The CLI command, for the embedded database's lock ("dev", "server"). */
  command: string;
  auth: "required" | "disabled";
  logger: Logger;
  port?: number | undefined;
  host?: string | undefined;
}

/**
 * Starts the server for a CLI command: takes the embedded database's lock first (PGlite must
 * have one process), and turns a taken port into a sentence.
 *
 * @example
 * ```ts
 * const { server, close } = await launchServer({ env, command: "server", auth: "required", logger });
 * ```
 */
export async function launchServer(options: LaunchOptions): Promise<{ server: StrataServer; close(): Promise<void> }> {
  const { env } = options;
  const lock = env.DATABASE_URL ? null : acquirePgliteLock(env.pgliteDir, options.command);
  let server: StrataServer;
  try {
    server = await startServer({
      env,
      auth: options.auth,
      logger: options.logger,
      uiDir: uiBundleDir(),
      ...(options.port !== undefined && { port: options.port }),
      ...(options.host !== undefined && { host: options.host }),
    });
  } catch (error) {
    lock?.release();
    const code = (error as NodeJS.ErrnoException).code;
    const port = options.port ?? env.PORT;
    if (code === "EADDRINUSE") throw new CliError(`port ${port} is already in use: pick another with --port or PORT`);
    if (code === "EADDRNOTAVAIL")
      throw new CliError(`cannot listen on ${options.host ?? env.HOST}: no such local address (--host or HOST)`);
    throw error;
  }
  lock?.setUrl(server.graphqlUrl);
  return {
    server,
    async close() {
      await server.close();
      lock?.release();
    },
  };
}
