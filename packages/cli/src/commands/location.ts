import { existsSync } from "node:fs";
import { relative, resolve } from "node:path";
import { CliError } from "../cli-error.js";
import { expectPositionals, helpText, parseCount, parseOptions, type Command } from "../command.js";
import { defaultLocationName, isLocationName } from "../location/location-name.js";
import { startLocationProcess } from "../location/location-process.js";
import { resolveTarget, serverOptions, serverOptionsHelp } from "../server-target.js";

const SERVE_USAGE = "location serve <defs.ts> --server URL --token T [--name NAME] [--heartbeat-interval S] [--lease-seconds S]";

export const locationCommand: Command = {
  name: "location",
  usage: "location serve <defs.ts>",
  summary: "Run a code location against a server: register its definitions, heartbeat, and execute its runs.",
  help: [
    `Usage: strata ${SERVE_USAGE}`,
    "",
    "Loads the definitions file in its own process (tsx: TypeScript runs as is), registers its",
    "manifest with the server, heartbeats, and claims and executes the location's runs (with",
    "@strata/definitions/runtime) until stopped: SIGINT/SIGTERM let running runs finish first.",
    "Waits out server outages. A file that fails to load is reported as the location's load",
    "error and the command exits with code 3; a refused registration exits with code 1.",
    "",
    "Options:",
    serverOptionsHelp,
    "  --name NAME              the location's name (default: from the file or its directory);",
    "                           the token needs the location:NAME scope (or admin)",
    "  --heartbeat-interval S   seconds between heartbeats (default 10)",
    "  --lease-seconds S        how long the server waits for a run's heartbeat before failing the",
    "                           run (1-3600; default $STRATA_RUN_LEASE_SECONDS, else 30)",
  ].join("\n"),
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub === undefined || sub === "--help" || sub === "-h") {
      console.log(helpText(this));
      return sub === undefined ? 2 : 0;
    }
    if (sub !== "serve") throw new CliError(`unknown subcommand "location ${sub}". Usage: strata ${SERVE_USAGE}`, 2);
    const { values, positionals } = parseOptions("location serve", rest, {
      ...serverOptions,
      name: { type: "string" },
      "heartbeat-interval": { type: "string" },
      "lease-seconds": { type: "string" },
    });
    if (values.help) {
      console.log(helpText(this));
      return 0;
    }
    const [file] = expectPositionals(SERVE_USAGE, positionals, 1);
    const defsPath = resolve(file!);
    if (!existsSync(defsPath)) throw new CliError(`no definitions file at ${file}`, 2);
    const name = values.name ?? defaultLocationName(defsPath);
    if (!isLocationName(name)) throw new CliError(`--name "${name}" is not a location name: use letters, digits, "_" and "-"`, 2);
    const heartbeatSeconds = parseCount("--heartbeat-interval", values["heartbeat-interval"], { min: 1, max: 3_600 }) ?? 10;
    // Explicit > environment; absent both, serve() asks for its default. Checked here, so a bad
    // value is a usage error before anything starts.
    const leaseSeconds =
      parseCount("--lease-seconds", values["lease-seconds"], { min: 1, max: 3_600 }) ??
      parseCount("STRATA_RUN_LEASE_SECONDS", process.env.STRATA_RUN_LEASE_SECONDS || undefined, { min: 1, max: 3_600 });
    const target = resolveTarget(values);

    console.log(`Serving code location "${name}" from ${relative(process.cwd(), defsPath)} to ${target.url} (heartbeat every ${heartbeatSeconds}s)`);
    const location = startLocationProcess({ defsPath, name, serverUrl: target.url, token: target.token, heartbeatSeconds, leaseSeconds, mode: "serve" });
    const stop = () => void location.stop();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    const code = await location.exited;
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
    return code;
  },
};
