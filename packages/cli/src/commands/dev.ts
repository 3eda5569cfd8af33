import { createLogger, startServer } from "@strata/server";
import { parseOptions, type Command } from "../command.js";
import { untilSignal } from "../signals.js";
import { parsePort, readEnv } from "./server.js";

export const devCommand: Command = {
  name: "dev",
  usage: "dev [--port N]",
  summary: "Start a local server on embedded PGlite (.strata/db) with GraphiQL.",
  async run(argv) {
    const { values } = parseOptions("dev", argv, { port: { type: "string" } });
    if (values.help) {
      console.log(`strata ${this.usage}\n\n${this.summary}`);
      return 0;
    }
    const env = readEnv();
    const server = await startServer({
      env,
      // Local development: no tokens needed. startServer refuses this off loopback.
      auth: "disabled",
      logger: createLogger(env.STRATA_LOG_LEVEL === "info" ? "warn" : env.STRATA_LOG_LEVEL),
      ...(values.port !== undefined && { port: parsePort(values.port) }),
    });
    console.log(`Strata dev server on ${server.db.dialect === "pglite" ? `PGlite (${server.db.location})` : server.db.location}`);
    console.log(`GraphiQL: ${server.graphqlUrl}`);
    console.log("Authentication is disabled (dev mode, localhost only). Use `strata server` for a shared server.");
    await untilSignal();
    await server.close();
    return 0;
  },
};
