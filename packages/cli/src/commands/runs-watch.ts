import type { Command } from "commander";
import { action } from "../command.js";
import { waitForRun } from "../runs/wait-for-run.js";
import { connect, type ServerOptions, serverCommand } from "../server-target.js";

/**
 * `strata runs watch <runId>`: follows a run, from its first event, until it ends; exits as
 * `runs launch --wait` does. A run that has already ended is replayed.
 *
 * @example
 * ```ts
 * await watchCommand().parseAsync([runId], { from: "user" });
 * ```
 */
export function watchCommand(): Command {
  const watch = serverCommand("watch", "follow a run until it ends", [
    "Follows a run until it ends, from its first event (a run that has ended is replayed), and",
    "exits 0 for SUCCESS, 1 for FAILURE or CANCELED. Ctrl-C stops watching, not the run (exit 130).",
  ])
    .argument("<runId>", "the run")
    .option("--json", "event lines on stderr, the ended run as JSON on stdout");
  return action(watch, async (runId: string, options: ServerOptions & { json?: boolean }) => {
    const client = connect(options);
    return waitForRun(client, await client.run(runId), { json: options.json ?? false });
  });
}
