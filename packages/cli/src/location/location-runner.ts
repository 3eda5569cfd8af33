import { AssetKeyCollisionError, InvalidManifestError, StrataError, type StrataClient } from "@strata/sdk";
import type { WorkerLogger } from "@strata/definitions/runtime";
import { describeError } from "../error-report.js";
import { styleFor, type Style } from "../output/style.js";
import { definitionsHash, DefinitionsLoadError, loadDefinitions } from "./load-definitions.js";
import { LocationExit, type LocationConfig } from "./location-config.js";
import type { Serve } from "./location-runtime.js";

export interface LocationRunnerOptions {
  config: LocationConfig;
  /** Reports a load error (the runtime is never started for a file that does not load). */
  client: StrataClient;
  serve: Serve;
  signal: AbortSignal;
  /** Called with the manifest's hash once the file has loaded, before it is registered. */
  onLoaded?: (hash: string) => void;
  /** Takes the runtime's informational lines about a run instead of stdout (strata dev). */
  onRunLog?: (runId: string, line: string) => void;
  stdout?: NodeJS.WriteStream;
  stderr?: NodeJS.WriteStream;
}

/**
 * The life of a code-location process: load the definitions file, then hand it to the runtime
 * (`serve` from @strata/definitions/runtime), which registers the manifest, heartbeats, and
 * claims and executes the location's runs until `signal` aborts. A file that fails to load is
 * reported to the server as a load error (the catalog keeps the location's previous assets)
 * and printed as one block; a refused registration is printed with its problems or
 * collisions. Resolves to the process's exit code (`LocationExit`).
 *
 * @example
 * ```ts
 * process.exitCode = await runLocation({ config, client, serve: await runtimeFor(config.defsPath), signal });
 * ```
 */
export async function runLocation(options: LocationRunnerOptions): Promise<number> {
  const { config, client, signal } = options;
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const err = styleFor(stderr);

  let definitions: Awaited<ReturnType<typeof loadDefinitions>>;
  try {
    definitions = await loadDefinitions(config.defsPath);
  } catch (error) {
    if (!(error instanceof DefinitionsLoadError)) throw error;
    const reported = await client.reportCodeLocationLoadError({ name: config.name, error: `${error.message}\n${error.details}` }).then(
      () => true,
      () => false,
    );
    stderr.write(loadErrorBlock(error, config, reported, err));
    return LocationExit.loadError;
  }
  options.onLoaded?.(definitionsHash(definitions));

  try {
    await options.serve(definitions as Parameters<Serve>[0], {
      server: config.serverUrl,
      token: config.token ?? "",
      name: config.name,
      signal,
      logger: humanLogger(config.name, stdout, stderr, options.onRunLog),
      heartbeatIntervalMs: config.heartbeatSeconds * 1_000,
      ...(config.leaseSeconds === undefined ? {} : { leaseSeconds: config.leaseSeconds }),
    });
    return LocationExit.stopped;
  } catch (error) {
    if (signal.aborted) return LocationExit.stopped;
    stderr.write(refusalBlock(error, config, err));
    return LocationExit.failed;
  }
}

/** The runtime's log as lines a person reads: `name  message`, warnings and errors on stderr. */
function humanLogger(
  name: string,
  stdout: NodeJS.WriteStream,
  stderr: NodeJS.WriteStream,
  onRunLog?: (runId: string, line: string) => void,
): WorkerLogger {
  const out = styleFor(stdout);
  const err = styleFor(stderr);
  const detail = (fields?: Record<string, unknown>) => (typeof fields?.error === "string" ? `: ${fields.error}` : "");
  return {
    info: (message, fields) => {
      const line = `${out.bold(name)}  ${message}\n`;
      if (onRunLog && typeof fields?.runId === "string") onRunLog(fields.runId, line);
      else stdout.write(line);
    },
    warn: (message, fields) => void stderr.write(`${err.bold(name)}  ${err.yellow(`${message}${detail(fields)}`)}\n`),
    error: (message, fields) => void stderr.write(`${err.bold(name)}  ${err.red(`${message}${detail(fields)}`)}\n`),
  };
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((line) => `    ${line}`)
    .join("\n");
}

function loadErrorBlock(error: DefinitionsLoadError, config: LocationConfig, reported: boolean, style: Style): string {
  const next =
    config.mode === "dev"
      ? "Fix the file and save it: strata dev reloads it. The catalog keeps the location's previous assets."
      : "The catalog keeps the location's previous assets.";
  const where = reported ? "Reported to the server as a load error." : `The server at ${config.serverUrl} could not be told.`;
  return `\n${style.red("✗")} ${style.bold(`Could not load code location "${config.name}"`)}: ${error.message}\n\n${indent(error.details)}\n\n  ${where} ${next}\n\n`;
}

function refusalBlock(error: unknown, config: LocationConfig, style: Style): string {
  const lines = [`${style.red("✗")} ${style.bold(config.name)}: the server refused the registration: ${describeError(error).message}`];
  if (error instanceof InvalidManifestError) lines.push(...error.problems.map((p) => `    ${p.path}: ${p.message}`));
  if (error instanceof AssetKeyCollisionError)
    lines.push(...error.collisions.map((c) => `    ${c.key} is defined by location "${c.definedBy}"`));
  if (!(error instanceof StrataError) && error instanceof Error && error.stack) lines.push(indent(error.stack));
  return `${lines.join("\n")}\n`;
}
