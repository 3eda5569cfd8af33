import { helpText, parseOptions, type Command } from "../command.js";
import { untilSignal } from "../signals.js";

export const serverCommand: Command = {
  name: "server",
  usage: "server [--port N] [--host H]",
  summary: "Run the production server: authentication required, PostgreSQL with DATABASE_URL.",
  help: [
    "Options:",
    "  --port N   the port (env PORT; default 4000; 0 picks a free one)",
    "  --host H   the address to bind (env HOST; default localhost; 0.0.0.0 for every interface)",
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
  async run(argv) {
    const { values } = parseOptions("server", argv, { port: { type: "string" }, host: { type: "string" } });
    if (values.help) {
      console.log(helpText(this));
      return 0;
    }
    const [{ createLogger }, { launchServer, parsePort, readEnv }] = await Promise.all([import("@strata/server"), import("../server-launch.js")]);
    const env = readEnv();
    const logger = createLogger(env.STRATA_LOG_LEVEL);
    const { server, close } = await launchServer({
      env,
      command: "server",
      auth: "required",
      logger,
      port: values.port === undefined ? undefined : parsePort(values.port),
      host: values.host,
    });
    logger.info("strata server listening", { graphql: server.graphqlUrl, database: server.db.location, pubsub: server.pubsub.transport, auth: "required" });
    const signal = await untilSignal();
    logger.info("strata server stopping", { signal });
    await close();
    return 0;
  },
};
