import { existsSync, statSync } from "node:fs";
import { createClient } from "@strata/sdk";
import { dirname, relative, resolve } from "node:path";
import { CliError } from "../cli-error.js";
import { helpText, parseCount, parseOptions, type Command } from "../command.js";
import { superviseDevLocation } from "../location/dev-supervisor.js";
import { defaultLocationName, isLocationName } from "../location/location-name.js";
import { withProgress } from "../output/progress.js";
import { styleFor } from "../output/style.js";
import { runOnceRegistered } from "../runs/run-once-registered.js";
import { untilSignal } from "../signals.js";

export const devCommand: Command = {
  name: "dev",
  usage: "dev [defs.ts] [--run] [--port N] [--name NAME]",
  summary: "Start a local server on embedded PGlite with GraphiQL, and load a definitions file as a code location.",
  help: [
    "The definitions file's default export must be `new Definitions({ assets: [...] })`. It is",
    "loaded in its own process (with tsx, so TypeScript runs as is), registered with the server,",
    "and reloaded whenever it or a file next to it changes. A file that fails to load is reported",
    "as the location's load error; the server keeps running.",
    "",
    "Options:",
    "  --run                    once the definitions are registered, launch a run of every asset",
    "                           and print its progress (once per start, not on reloads)",
    "  --port N                 the port (env PORT; default 4000)",
    "  --name NAME              the code location's name (default: from the file or its directory)",
    "  --heartbeat-interval S   seconds between the location's heartbeats (default 10)",
    "",
    "Data lives in $STRATA_HOME/db (default .strata/db). Authentication is disabled, which the",
    "server allows only on localhost.",
  ].join("\n"),
  async run(argv) {
    const { values, positionals } = parseOptions("dev", argv, {
      port: { type: "string" },
      name: { type: "string" },
      "heartbeat-interval": { type: "string" },
      run: { type: "boolean" },
    });
    if (values.help) {
      console.log(helpText(this));
      return 0;
    }
    if (values.run && positionals.length === 0) throw new CliError("--run needs a definitions file: strata dev defs.ts --run", 2);
    if (positionals.length > 1) throw new CliError(`dev takes one definitions file, not ${positionals.length}. Usage: strata ${this.usage}`, 2);
    const defsPath = positionals[0] === undefined ? undefined : resolve(positionals[0]);
    if (defsPath !== undefined && !(existsSync(defsPath) && statSync(defsPath).isFile())) {
      throw new CliError(`no definitions file at ${positionals[0]}`, 2);
    }
    const name = values.name ?? (defsPath ? defaultLocationName(defsPath) : "");
    if (defsPath && !isLocationName(name)) throw new CliError(`--name "${name}" is not a location name: use letters, digits, "_" and "-"`, 2);
    const heartbeatSeconds = parseCount("--heartbeat-interval", values["heartbeat-interval"], { min: 1, max: 3_600 }) ?? 10;

    const [{ createLogger }, { launchServer, parsePort, readEnv }] = await Promise.all([import("@strata/server"), import("../server-launch.js")]);
    const env = readEnv();
    const where = env.DATABASE_URL ? "PostgreSQL" : `PGlite (${relative(process.cwd(), env.pgliteDir) || env.pgliteDir})`;
    const { server, close } = await withProgress(`Starting the server on ${where}`, () =>
      launchServer({
        env,
        command: "dev",
        // Local development: no tokens needed. startServer refuses this off loopback.
        auth: "disabled",
        logger: createLogger(env.STRATA_LOG_LEVEL === "info" ? "warn" : env.STRATA_LOG_LEVEL),
        port: values.port === undefined ? undefined : parsePort(values.port),
      }),
    );
    const style = styleFor(process.stdout);
    console.log(`\n  ${style.bold("GraphiQL")}  ${style.cyan(server.graphqlUrl)}`);
    console.log(`  ${style.bold("Database")}  ${server.db.dialect === "pglite" ? where : server.db.location}`);
    console.log(`  ${style.bold("Auth")}      disabled (dev mode, localhost only); use \`strata server\` for a shared server\n`);

    const stopping = new AbortController();
    const runner = values.run ? runOnceRegistered({ client: createClient({ url: server.graphqlUrl }), name, graphqlUrl: server.graphqlUrl, signal: stopping.signal }) : undefined;
    const location = defsPath
      ? superviseDevLocation({ defsPath, name, serverUrl: server.graphqlUrl, heartbeatSeconds, mode: "dev" }, { ...(runner && { onLoaded: runner.loaded, onRunLog: runner.runLog }) })
      : undefined;
    if (defsPath) console.log(`Loading ${relative(process.cwd(), defsPath)} as code location "${name}"; watching ${relative(process.cwd(), dirname(defsPath)) || "."} for changes.`);
    else console.log("No definitions file given: run `strata dev path/to/defs.ts` to load one.");

    await untilSignal();
    stopping.abort();
    await location?.close();
    await close();
    return 0;
  },
};
