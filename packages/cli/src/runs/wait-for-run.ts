import type { Run, StrataClient } from "@strata/sdk";
import { printJson } from "../command.js";
import { styleFor } from "../output/style.js";
import { followRun } from "./follow-run.js";
import { exitCodeFor, runSummary } from "./run-summary.js";

/** The exit code after Ctrl-C, as a shell reports a process ended by SIGINT. */
export const INTERRUPTED = 130;

/**
 * `--wait`: follows the run until it ends and resolves to the exit code (0 SUCCESS, 1 FAILURE
 * or CANCELED). Ctrl-C stops waiting, not the run: it says how to follow it again or terminate
 * it, and resolves to 130. With `json`, the event lines go to stderr and the finished run is
 * printed on stdout as JSON.
 *
 * @example
 * ```ts
 * const run = await client.launchRun({ assetKeys });
 * return values.wait ? waitForRun(client, run, { json: values.json }) : 0;
 * ```
 */
export async function waitForRun(
  client: StrataClient,
  run: Pick<Run, "id" | "stepKeys" | "location">,
  { json = false } = {},
): Promise<number> {
  const out = json ? process.stderr : process.stdout;
  const style = styleFor(out);
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    const outcome = await followRun({ client, run, out, signal: stop.signal });
    if (outcome.kind === "detached") {
      const err = styleFor(process.stderr);
      const state = outcome.status ? ` (${outcome.status})` : "";
      process.stderr.write(
        `\nStopped waiting; run ${run.id} goes on${state}.\n` +
          err.dim(`  Follow it again: strata runs watch ${run.id}\n  Terminate it:    strata runs terminate ${run.id}\n`),
      );
      return INTERRUPTED;
    }
    out.write(`${runSummary(outcome.run, style).join("\n")}\n`);
    if (json) printJson(outcome.run);
    return exitCodeFor(outcome.run.status);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
