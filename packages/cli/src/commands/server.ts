import { EnvError, createLogger, parseEnv, startServer } from "@strata/server";
import { CliError } from "../cli-error.js";
import { parseOptions, type Command } from "../command.js";
import { untilSignal } from "../signals.js";

export const serverCommand: Command = {
  name: "server",
  usage: "server [--port N] [--host H]",
  summary: "Run the production server (DATABASE_URL for PostgreSQL, else PGlite in $STRATA_HOME/db).",
  async run(argv) {
    const { values } = parseOptions("server", argv, { port: { type: "string" }, host: { type: "string" } });
    if (values.help) {
      console.log(`strata ${this.usage}\n\n${this.summary}\nEnvironment: PORT, HOST, DATABASE_URL, REDIS_URL, STRATA_HOME, STRATA_LOG_LEVEL.`);
      return 0;
    }
    const env = readEnv();
    const logger = createLogger(env.STRATA_LOG_LEVEL);
    const server = await startServer({
      env,
      logger,
      ...(values.port !== undefined && { port: parsePort(values.port) }),
      ...(values.host !== undefined && { host: values.host }),
    });
    logger.info("strata server listening", { graphql: server.graphqlUrl, database: server.db.location });
    await untilSignal();
    await server.close();
    return 0;
  },
};

export function readEnv() {
  try {
    return parseEnv();
  } catch (error) {
    if (error instanceof EnvError) throw new CliError(error.message);
    throw error;
  }
}

export function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`--port must be a number from 0 to 65535, not "${value}"`, 2);
  return port;
}
