import { existsSync, statSync } from "node:fs";
import { createClient } from "@strata/sdk";
import { dirname, relative, resolve } from "node:path";
import { CliError } from "../cli-error.js";
import { Command } from "commander";
import { action, parseCount } from "../command.js";
import { superviseDevLocation } from "../location/dev-supervisor.js";
import { defaultLocationName, isLocationName } from "../location/location-name.js";
import { withProgress } from "../output/progress.js";
import { styleFor } from "../output/style.js";
import { runOnceRegistered } from "../runs/run-once-registered.js";
import { untilSignal } from "../signals.js";
import { uiBuilt, uiBundleDir } from "../ui-bundle.js";

/**
 * How often `strata dev` evaluates automation conditions unless STRATA_AUTOMATION_INTERVAL_MS
 * says otherwise: a person watching sees an eager asset follow its inputs within a second
 * (`strata server` keeps Dagster's 30 s).
 */
const DEV_AUTOMATION_INTERVAL_MS = 1_000;

interface DevOptions {
  run?: boolean;
  port?: string;
  name?: string;
  heartbeatInterval?: string;
}

/**
 * `strata dev [defs.ts]`: a local server on embedded PGlite, and the definitions file as a code
 * location that reloads on every change, until Ctrl-C.
 *
 * @example
 * ```ts
 * await devCommand().parseAsync(["defs.ts", "--run"], { from: "user" });
 * ```
 */
export function devCommand(): Command {
  const dev = new Command("dev")
    .description("Start a local server on embedded PGlite with GraphiQL, and load a definitions file as a code location.")
    .argument("[defs.ts]", "the definitions file")
    .option(
      "--run",
      "once the definitions are registered, launch a run of every asset without an automation condition and print its progress (once per start, not on reloads), then the runs automation launches",
    )
    .option("--port <n>", "the port (env PORT; default 4000)")
    .option("--name <name>", "the code location's name (default: from the file or its directory)")
    .option("--heartbeat-interval <s>", "seconds between the location's heartbeats (default 10)")
    .addHelpText(
      "after",
      [
        "",
        "The definitions file's default export must be `new Definitions({ assets: [...] })`. It is",
        "loaded in its own process (with tsx, so TypeScript runs as is), registered with the server,",
        "and reloaded whenever a file in its directory or below changes (the files it imports; not",
        "node_modules, .git, .strata, dist or dotfiles). A file that fails to load is reported as the",
        "location's load error; the server keeps running.",
        "",
        "Data lives in $STRATA_HOME/db (default .strata/db). Authentication is disabled, which the",
        "server allows only on localhost. Automation conditions are evaluated every second",
        "(STRATA_AUTOMATION_INTERVAL_MS; `strata server` defaults to 30 s).",
      ].join("\n"),
    );
  return action(dev, async (file: string | undefined, options: DevOptions) => {
    if (options.run && file === undefined) throw new CliError("--run needs a definitions file: strata dev defs.ts --run", 2);
    const defsPath = file === undefined ? undefined : resolve(file);
    if (defsPath !== undefined && !(existsSync(defsPath) && statSync(defsPath).isFile())) {
      throw new CliError(`no definitions file at ${file}`, 2);
    }
    const name = options.name ?? (defsPath ? defaultLocationName(defsPath) : "");
    if (defsPath && !isLocationName(name))
      throw new CliError(`--name "${name}" is not a location name: use letters, digits, "_" and "-"`, 2);
    const heartbeatSeconds = parseCount("--heartbeat-interval", options.heartbeatInterval, { min: 1, max: 3_600 }) ?? 10;

    const [{ createLogger }, { launchServer, parsePort, readEnv }] = await Promise.all([
      import("@strata/server"),
      import("../server-launch.js"),
    ]);
    const env = readEnv({ STRATA_AUTOMATION_INTERVAL_MS: String(DEV_AUTOMATION_INTERVAL_MS), ...process.env });
    const where = env.DATABASE_URL ? "PostgreSQL" : `PGlite (${relative(process.cwd(), env.pgliteDir) || env.pgliteDir})`;
    const { server, close } = await withProgress(`Starting the server on ${where}`, () =>
      launchServer({
        env,
        command: "dev",
        // Local development: no tokens needed. startServer refuses this off loopback.
        auth: "disabled",
        logger: createLogger(env.STRATA_LOG_LEVEL === "info" ? "warn" : env.STRATA_LOG_LEVEL),
        port: options.port === undefined ? undefined : parsePort(options.port),
      }),
    );
    const style = styleFor(process.stdout);
    const ui = uiBuilt(uiBundleDir()) ? style.cyan(`${server.url}/`) : `not built (npm run build), ${style.cyan(`${server.url}/`)} says so`;
    console.log(`\n  ${style.bold("Web UI")}    ${ui}`);
    console.log(`  ${style.bold("GraphiQL")}  ${style.cyan(server.graphqlUrl)}`);
    console.log(`  ${style.bold("Database")}  ${server.db.dialect === "pglite" ? where : server.db.location}`);
    console.log(`  ${style.bold("Auth")}      disabled (dev mode, localhost only); use \`strata server\` for a shared server\n`);

    const stopping = new AbortController();
    const runner = options.run
      ? runOnceRegistered({
          client: createClient({ url: server.graphqlUrl }),
          name,
          graphqlUrl: server.graphqlUrl,
          signal: stopping.signal,
          automationIntervalMs: env.STRATA_AUTOMATION_INTERVAL_MS,
        })
      : undefined;
    const location = defsPath
      ? superviseDevLocation(
          { defsPath, name, serverUrl: server.graphqlUrl, heartbeatSeconds, mode: "dev" },
          // STRATA_HOME may be any folder, e.g. one next to defs.ts: its writes are no edits.
          {
            ...(runner && { onLoaded: runner.loaded, onRunLog: runner.runLog }),
            ignore: env.DATABASE_URL ? [] : [resolve(env.pgliteDir), `${resolve(env.pgliteDir)}.lock`],
          },
        )
      : undefined;
    if (defsPath)
      console.log(
        `Loading ${relative(process.cwd(), defsPath)} as code location "${name}"; watching ${relative(process.cwd(), dirname(defsPath)) || "."} and the files under it for changes.`,
      );
    else console.log("No definitions file given: run `strata dev path/to/defs.ts` to load one.");

    await untilSignal();
    stopping.abort();
    await location?.close();
    await close();
    return 0;
  });
}
