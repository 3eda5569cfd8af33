import { existsSync } from "node:fs";
import { relative, resolve } from "node:path";
import { CliError } from "../cli-error.js";
import { Command } from "commander";
import { action, parseCount } from "../command.js";
import { defaultLocationName, isLocationName } from "../location/location-name.js";
import { startLocationProcess } from "../location/location-process.js";
import { resolveTarget, type ServerOptions, serverCommand } from "../server-target.js";

interface ServeOptions extends ServerOptions {
  name?: string;
  heartbeatInterval?: string;
  leaseSeconds?: string;
}

/**
 * `strata location serve <defs.ts>`: a code location as its own service, until SIGINT/SIGTERM.
 *
 * @example
 * ```ts
 * await locationCommand().parseAsync(["serve", "defs.ts", "--name", "sales"], { from: "user" });
 * ```
 */
export function locationCommand(): Command {
  const group = new Command("location").description(
    "Run a code location against a server: register its definitions, heartbeat, and execute its runs.",
  );
  const serve = serverCommand("serve", "register, heartbeat and execute runs until stopped", [
    "Loads the definitions file in its own process (tsx: TypeScript runs as is), registers its",
    "manifest with the server, heartbeats, and claims and executes the location's runs (with",
    "@strata/definitions/runtime) until stopped: SIGINT/SIGTERM let running runs finish first.",
    "Waits out server outages. A file that fails to load is reported as the location's load",
    "error and the command exits with code 3; a refused registration exits with code 1.",
  ])
    .argument("<defs.ts>", "the definitions file")
    .option(
      "--name <name>",
      "the location's name (default: from the file or its directory); the token needs the location:NAME scope (or admin)",
    )
    .option("--heartbeat-interval <s>", "seconds between heartbeats (default 10)")
    .option(
      "--lease-seconds <s>",
      "how long the server waits for a run's heartbeat before failing the run (1-3600; default $STRATA_RUN_LEASE_SECONDS, else 30)",
    );
  action(serve, async (file: string, options: ServeOptions) => {
    const defsPath = resolve(file);
    if (!existsSync(defsPath)) throw new CliError(`no definitions file at ${file}`, 2);
    const name = options.name ?? defaultLocationName(defsPath);
    if (!isLocationName(name)) throw new CliError(`--name "${name}" is not a location name: use letters, digits, "_" and "-"`, 2);
    const heartbeatSeconds = parseCount("--heartbeat-interval", options.heartbeatInterval, { min: 1, max: 3_600 }) ?? 10;
    // Explicit > environment; absent both, serve() asks for its default. Checked here, so a bad
    // value is a usage error before anything starts.
    const leaseSeconds =
      parseCount("--lease-seconds", options.leaseSeconds, { min: 1, max: 3_600 }) ??
      parseCount("STRATA_RUN_LEASE_SECONDS", process.env.STRATA_RUN_LEASE_SECONDS || undefined, { min: 1, max: 3_600 });
    const target = resolveTarget(options);

    console.log(
      `Serving code location "${name}" from ${relative(process.cwd(), defsPath)} to ${target.url} (heartbeat every ${heartbeatSeconds}s)`,
    );
    const location = startLocationProcess({
      defsPath,
      name,
      serverUrl: target.url,
      token: target.token,
      heartbeatSeconds,
      leaseSeconds,
      mode: "serve",
    });
    const stop = () => void location.stop();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    const code = await location.exited;
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
    return code;
  });
  return group.addCommand(serve);
}
