import { Command } from "commander";
import { action, printJson } from "../command.js";
import { styleFor } from "../output/style.js";
import { waitForRun } from "../runs/wait-for-run.js";
import { connect } from "../server-target.js";
import { withFollowOptions, type FollowOptions } from "./runs-options.js";

/**
 * `strata runs terminate <runId>`: stops a run. One still waiting is CANCELED at once; one
 * executing is CANCELING until its worker stops it (`--wait` follows it to CANCELED).
 *
 * @example
 * ```ts
 * await terminateCommand().parseAsync([runId, "--wait"], { from: "user" });
 * ```
 */
export function terminateCommand(): Command {
  const terminate = withFollowOptions(new Command("terminate"), { tags: false })
    .summary("stop a run")
    .description(
      [
        "Stops a run: one not yet started is CANCELED at once; a started one is CANCELING while its",
        "worker interrupts its steps. --wait follows it until it has ended (exit 0 once CANCELED).",
      ].join(" "),
    )
    .argument("<runId>", "the run");
  return action(terminate, async (runId: string, options: Omit<FollowOptions, "tag">) => {
    const client = connect(options);
    const run = await client.terminateRun(runId);
    if (options.json && !options.wait) return printJson(run);
    const out = options.json ? process.stderr : process.stdout;
    const style = styleFor(out);
    out.write(
      run.status === "CANCELED"
        ? `Run ${run.id} is ${style.yellow("CANCELED")}: it had not started.\n`
        : `Run ${run.id} is ${style.yellow("CANCELING")}: its worker is stopping it.\n`,
    );
    if (!options.wait) return 0;
    const code = await waitForRun(client, run, { json: options.json ?? false });
    // Terminating succeeded if the run ended CANCELED; it may have finished first.
    return code === 1 && (await client.run(run.id)).status === "CANCELED" ? 0 : code;
  });
}
