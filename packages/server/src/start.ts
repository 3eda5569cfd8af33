// Starts the server from the environment and listens; main.ts sets NODE_ENV first.
import { EnvError, parseEnv } from "./env.js";
import { createLogger } from "./logger.js";
import { startServer } from "./server.js";

try {
  const env = parseEnv();
  const logger = createLogger(env.STRATA_LOG_LEVEL);
  const server = await startServer({ env, logger });
  logger.info("strata server listening", { graphql: server.graphqlUrl, database: server.db.location });
  const stop = () => void server.close().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
} catch (error) {
  console.error(error instanceof EnvError ? error.message : error);
  process.exit(1);
}
