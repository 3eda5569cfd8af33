import { AssetKeyCollisionError, InvalidManifestError, isRetryable, NotFoundError, StrataError, type StrataClient } from "@strata/sdk";
import { describeError } from "../error-report.js";
import { styleFor, type Style } from "../output/style.js";
import { DefinitionsLoadError, loadDefinitions } from "./load-definitions.js";
import { LocationExit, type LocationConfig } from "./location-config.js";

export interface LocationRunnerOptions {
  config: LocationConfig;
  client: StrataClient;
  signal: AbortSignal;
  stdout?: NodeJS.WriteStream;
  stderr?: NodeJS.WriteStream;
}

/**
 * The life of a code-location process: load the definitions file, register its manifest, then
 * heartbeat until `signal` aborts. A file that fails to load is reported to the server as a
 * load error (the catalog keeps the location's previous assets) and printed as one block.
 * Outages of the server are waited out: registration retries with backoff, and after a lost
 * heartbeat the location registers again (a no-op when the server kept its manifest).
 * Resolves to the process's exit code (`LocationExit`).
 *
 * @example
 * ```ts
 * process.exitCode = await runLocation({ config, client: createClient({ url: config.serverUrl }), signal });
 * ```
 */
export async function runLocation(options: LocationRunnerOptions): Promise<number> {
  const { config, client, signal } = options;
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const out = styleFor(stdout);
  const err = styleFor(stderr);

  let loaded: { manifest: unknown; hash: string };
  try {
    loaded = await loadDefinitions(config.defsPath);
  } catch (error) {
    if (!(error instanceof DefinitionsLoadError)) throw error;
    const reported = await retrying(signal, () => client.reportCodeLocationLoadError({ name: config.name, error: `${error.message}\n${error.details}` })).then(
      () => true,
      () => false,
    );
    stderr.write(loadErrorBlock(error, config, reported, err));
    return LocationExit.loadError;
  }

  const register = async () => {
    const result = await client.registerCodeLocation({ name: config.name, ...loaded });
    const assets = `${result.location.assetCount} asset${result.location.assetCount === 1 ? "" : "s"}`;
    stdout.write(
      result.changed
        ? `${out.green("✓")} ${out.bold(config.name)}: registered version ${result.version} — ${assets} (${result.addedKeys.length} added, ${result.removedKeys.length} removed)\n`
        : `${out.green("✓")} ${out.bold(config.name)}: up to date at version ${result.version} (${assets})\n`,
    );
  };

  try {
    await retrying(signal, register, () => stdout.write(`${out.dim("…")} waiting for the Strata server at ${config.serverUrl}\n`));
  } catch (error) {
    if (signal.aborted) return LocationExit.stopped;
    stderr.write(refusalBlock(error, config, err));
    return LocationExit.failed;
  }

  let lost = false;
  for (; !signal.aborted; await sleep(config.heartbeatSeconds * 1_000, signal)) {
    try {
      if (lost) await register();
      else await client.reportCodeLocationHeartbeat(config.name);
      if (lost) stdout.write(`${out.green("✓")} ${config.name}: reconnected to ${config.serverUrl}\n`);
      lost = false;
    } catch (error) {
      if (signal.aborted) break;
      if (error instanceof NotFoundError) {
        lost = true; // the server forgot the location (a fresh database): register at the next beat
        continue;
      }
      if (!isRetryable(error)) {
        stderr.write(refusalBlock(error, config, err));
        return LocationExit.failed;
      }
      if (!lost) stderr.write(`${err.yellow("!")} ${config.name}: heartbeat failed (${describeError(error).message}); retrying\n`);
      lost = true;
    }
  }
  return LocationExit.stopped;
}

/** Calls `work` until it succeeds, a non-retryable error, or `signal`; waits 0.25 s doubling to 5 s. */
async function retrying<T>(signal: AbortSignal, work: () => Promise<T>, onFirstRetry?: () => void): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!isRetryable(error) || signal.aborted) throw error;
      if (attempt === 0) onFirstRetry?.();
      await sleep(Math.min(5_000, 250 * 2 ** attempt), signal);
      if (signal.aborted) throw error;
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
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
  if (error instanceof AssetKeyCollisionError) lines.push(...error.collisions.map((c) => `    ${c.key} is defined by location "${c.definedBy}"`));
  if (!(error instanceof StrataError) && error instanceof Error && error.stack) lines.push(indent(error.stack));
  return `${lines.join("\n")}\n`;
}
