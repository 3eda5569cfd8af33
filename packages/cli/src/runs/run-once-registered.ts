import type { CodeLocationDetail, StrataClient } from "@strata/sdk";
import { describeError } from "../error-report.js";
import { styleFor } from "../output/style.js";
import { followRun } from "./follow-run.js";
import { runSummary } from "./run-summary.js";

export interface RunOnceRegisteredOptions {
  client: StrataClient;
  /** The code location's name. */
  name: string;
  /** Printed after the run, where to look next. */
  graphqlUrl: string;
  signal: AbortSignal;
  out?: NodeJS.WriteStream;
}

/**
 * `strata dev --run`: once the server has the manifest the location process loaded (the hash
 * it reports over IPC), launches one run of every asset of the location and follows it to the
 * end, then says where to look next. It happens once per `strata dev`, not on every reload.
 * The lines are plain (no progress bar): the location process writes to the same terminal.
 * The location's own lines about runs come through `runLog`: those about this run say what the
 * followed events say, only sooner (the location logs as it reports; the events reach us after
 * the server), so they are left out, and others wait while the launch is under way.
 *
 * @example
 * ```ts
 * const runner = runOnceRegistered({ client, name: "quickstart", graphqlUrl, signal });
 * superviseDevLocation(config, { onLoaded: runner.loaded, onRunLog: runner.runLog });
 * ```
 */
export function runOnceRegistered(options: RunOnceRegisteredOptions): {
  loaded(hash: string): void;
  runLog(runId: string, line: string): void;
} {
  const { client, name, signal } = options;
  const out = options.out ?? process.stdout;
  const style = styleFor(out);
  let expected: string | null = null;
  let waiting = false;
  let launched = false;
  // The location may log about the run before launchRun has answered with its id.
  let held: Array<{ runId: string; line: string }> | null = null;
  let followed: string | null = null;
  const release = (runId: string | null) => {
    followed = runId;
    for (const entry of held ?? []) if (entry.runId !== followed) out.write(entry.line);
    held = null;
  };

  /** Polls until the location's current manifest is the one loaded (a reload may replace it meanwhile). */
  const registered = async (): Promise<CodeLocationDetail | null> => {
    for (let delay = 50; !signal.aborted; delay = Math.min(delay * 2, 1_000)) {
      const location = await client.codeLocation(name).catch(() => null);
      if (location?.status === "LOADED" && location.hash === expected) return location;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
    return null;
  };

  const launch = async () => {
    const location = await registered();
    if (!location) return;
    launched = true;
    const keys = location.assets.map((a) => a.key);
    if (keys.length === 0) {
      out.write(style.dim(`--run: code location "${name}" defines no assets, so there is nothing to run.\n`));
      return;
    }
    held = [];
    const run = await client.launchRun({ assetKeys: keys, tags: { "strata/launched-by": "strata dev --run" } }).catch((error: unknown) => {
      release(null);
      throw error;
    });
    release(run.id);
    out.write(`\n${style.bold(`Launched run ${run.id}`)}: every asset of "${name}" (${keys.length})\n`);
    const outcome = await followRun({ client, run, out, progressLine: false, signal });
    if (outcome.kind === "detached") return;
    out.write(`${runSummary(outcome.run, style).join("\n")}\n`);
    out.write(
      `\n  Explore the run and the catalog in GraphiQL: ${style.cyan(options.graphqlUrl)}\n  The server keeps running; Ctrl-C stops it.\n\n`,
    );
  };

  return {
    loaded(hash) {
      if (launched) return;
      expected = hash;
      if (waiting) return;
      waiting = true;
      launch()
        .catch((error: unknown) => {
          if (!signal.aborted) process.stderr.write(`strata: --run: ${describeError(error).message}\n`);
        })
        .finally(() => (waiting = false));
    },
    runLog(runId, line) {
      if (held) held.push({ runId, line });
      else if (runId !== followed) out.write(line);
    },
  };
}
