import { CliError } from "../cli-error.js";
import { helpText, type Command } from "../command.js";
import { launchSubcommand, reexecuteSubcommand } from "./runs-launch.js";
import { listSubcommand } from "./runs-list.js";
import { RUNS_OPTIONS_HELP } from "./runs-options-help.js";
import { showSubcommand } from "./runs-show.js";
import { terminateSubcommand } from "./runs-terminate.js";
import { watchSubcommand } from "./runs-watch.js";
import type { Subcommand } from "./subcommand.js";

const subcommands: Subcommand[] = [launchSubcommand, listSubcommand, showSubcommand, watchSubcommand, reexecuteSubcommand, terminateSubcommand];

/**
 * `strata runs …`: launch runs and follow them live, list and inspect them, re-execute and
 * terminate them, all through @strata/sdk against the server of `--server` / STRATA_SERVER.
 *
 * @example
 * ```ts
 * process.exitCode = await runsCommand.run(["launch", "sales/orders", "--wait"]);
 * ```
 */
export const runsCommand: Command = {
  name: "runs",
  usage: "runs launch|list|show|watch|reexecute|terminate",
  summary: "Launch runs and follow them live; list, show, re-execute and terminate them.",
  help: [
    ...subcommands.flatMap((sub) => [`strata ${sub.usage}`, ...sub.help, ""]),
    "Options:",
    RUNS_OPTIONS_HELP,
    "",
    "Exit codes: 0 done (with --wait: the run succeeded), 1 the run failed or was canceled, or",
    "the request failed (one line on stderr), 2 usage error, 130 stopped waiting with Ctrl-C.",
  ].join("\n"),
  async run(argv) {
    const [name, ...rest] = argv;
    if (name === "--help" || name === "-h" || name === undefined) {
      console.log(helpText(this));
      return name === undefined ? 2 : 0;
    }
    const sub = subcommands.find((s) => s.name === name);
    if (!sub) throw new CliError(`unknown subcommand "runs ${name}": use ${subcommands.map((s) => `\`runs ${s.name}\``).join(", ")}`, 2);
    return sub.run(rest);
  },
};
