import { Command } from "commander";
import { action } from "../command.js";
import { waitForRun } from "../runs/wait-for-run.js";
import { connect, withServerOptions, type ServerOptions } from "../server-target.js";

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
  const watch = withServerOptions(new Command("watch"))
    .summary("follow a run until it ends")
    .description(
      [
        "Follows a run until it ends, from its first event (a run that has ended is replayed), and",
        "exits 0 for SUCCESS, 1 for FAILURE or CANCELED. Ctrl-C stops watching, not the run (exit 130).",
      ].join(" "),
    )
    .argument("<runId>", "the run")
    .option("--json", "event lines on stderr, the ended run as JSON on stdout");
  return action(watch, async (runId: string, options: ServerOptions & { json?: boolean }) => {
    const client = connect(options);
    return waitForRun(client, await client.run(runId), { json: options.json ?? false });
  });
}
