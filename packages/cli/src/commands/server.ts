import { Command } from "commander";
import { action } from "../command.js";
import { untilSignal } from "../signals.js";
import { uiBuilt, uiBundleDir } from "../ui-bundle.js";

/**
 * `strata server`: the production server, until SIGINT/SIGTERM.
 *
 * @example
 * ```ts
 * await serverCommand().parseAsync(["--port", "4000"], { from: "user" });
 * ```
 */
export function serverCommand(): Command {
  const server = new Command("server")
    .description("Run the production server: authentication required, PostgreSQL with DATABASE_URL.")
    .option("--port <n>", "the port (env PORT; default 4000; 0 picks a free one)")
    .option("--host <host>", "the address to bind (env HOST; default localhost; 0.0.0.0 for every interface)")
    .addHelpText(
      "after",
      [
        "",
        "Environment:",
        "  DATABASE_URL       postgres://... (unset: embedded PGlite in $STRATA_HOME/db, one process only)",
        "  REDIS_URL          redis://... shares live events between server replicas",
        "  STRATA_HOME        where PGlite keeps its data (default .strata)",
        "  STRATA_LOG_LEVEL   debug, info, warn, error or silent (default info); logs are JSON lines on stderr",
        "",
        "Every request needs an API token. Create the first admin token before starting the server:",
        "  strata token create --name admin --scopes admin",
      ].join("\n"),
    );
  return action(server, async (options: { port?: string; host?: string }) => {
    const [{ createLogger }, { launchServer, parsePort, readEnv }] = await Promise.all([
      import("@strata/server"),
      import("../server-launch.js"),
    ]);
    const env = readEnv();
    const logger = createLogger(env.STRATA_LOG_LEVEL);
    const { server, close } = await launchServer({
      env,
      command: "server",
      auth: "required",
      logger,
      port: options.port === undefined ? undefined : parsePort(options.port),
      host: options.host,
    });
    logger.info("strata server listening", {
      ui: uiBuilt(uiBundleDir()) ? `${server.url}/` : "not built (npm run build)",
      graphql: server.graphqlUrl,
      database: server.db.location,
      pubsub: server.pubsub.transport,
      auth: "required",
    });
    const signal = await untilSignal();
    logger.info("strata server stopping", { signal });
    await close();
    return 0;
  });
}
