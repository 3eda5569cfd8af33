import { expectPositionals, parseOptions } from "../command.js";
import { waitForRun } from "../runs/wait-for-run.js";
import { connect, serverOptions } from "../server-target.js";
import { RUNS_OPTIONS_HELP } from "./runs-options-help.js";
import { subcommandHelp, type Subcommand } from "./subcommand.js";

/**
 * `strata runs watch <runId>`: follows a run, from its first event, until it ends; exits as
 * `runs launch --wait` does. A run that has already ended is replayed.
 *
 * @example
 * ```ts
 * process.exitCode = await watchSubcommand.run([runId]);
 * ```
 */
export const watchSubcommand: Subcommand = {
  name: "watch",
  usage: "runs watch <runId> [--json]",
  help: [
    "  Follows a run until it ends, from its first event (a run that has ended is replayed), and",
    "  exits 0 for SUCCESS, 1 for FAILURE or CANCELED. Ctrl-C stops watching, not the run.",
  ],
  async run(argv) {
    const { values, positionals } = parseOptions("runs watch", argv, { ...serverOptions, json: { type: "boolean" } });
    if (values.help) return subcommandHelp(this, RUNS_OPTIONS_HELP);
    const [runId] = expectPositionals(this.usage, positionals, 1);
    const client = connect(values);
    return waitForRun(client, await client.run(runId!), { json: values.json ?? false });
  },
};
