import { Command } from "commander";
import { launchCommand, reexecuteCommand } from "./runs-launch.js";
import { listCommand } from "./runs-list.js";
import { showCommand } from "./runs-show.js";
import { terminateCommand } from "./runs-terminate.js";
import { watchCommand } from "./runs-watch.js";

/**
 * `strata runs …`: launch runs and follow them live, list and inspect them, re-execute and
 * terminate them, all through @strata/sdk against the server of `--server` / STRATA_SERVER.
 *
 * @example
 * ```ts
 * await runsCommand().parseAsync(["launch", "sales/orders", "--wait"], { from: "user" });
 * ```
 */
export function runsCommand(): Command {
  return new Command("runs")
    .description("Launch runs and follow them live; list, show, re-execute and terminate them.")
    .addCommand(launchCommand())
    .addCommand(listCommand())
    .addCommand(showCommand())
    .addCommand(watchCommand())
    .addCommand(reexecuteCommand())
    .addCommand(terminateCommand())
    .addHelpText(
      "after",
      [
        "",
        "Exit codes: 0 done (with --wait: the run succeeded), 1 the run failed or was canceled, or",
        "the request failed (one line on stderr), 2 usage error, 130 stopped waiting with Ctrl-C.",
      ].join("\n"),
    );
}
