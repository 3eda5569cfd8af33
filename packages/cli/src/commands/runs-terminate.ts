import { expectPositionals, parseOptions, printJson } from "../command.js";
import { styleFor } from "../output/style.js";
import { waitForRun } from "../runs/wait-for-run.js";
import { connect, serverOptions } from "../server-target.js";
import { RUNS_OPTIONS_HELP } from "./runs-options-help.js";
import { subcommandHelp, type Subcommand } from "./subcommand.js";

/**
 * `strata runs terminate <runId>`: stops a run. One still waiting is CANCELED at once; one
 * executing is CANCELING until its worker stops it (`--wait` follows it to CANCELED).
 *
 * @example
 * ```ts
 * process.exitCode = await terminateSubcommand.run([runId, "--wait"]);
 * ```
 */
export const terminateSubcommand: Subcommand = {
  name: "terminate",
  usage: "runs terminate <runId> [--wait] [--json]",
  help: [
    "  Stops a run: one not yet started is CANCELED at once; a started one is CANCELING while its",
    "  worker interrupts its steps. --wait follows it until it has ended (exit 0 once CANCELED).",
  ],
  async run(argv) {
    const { values, positionals } = parseOptions("runs terminate", argv, { ...serverOptions, wait: { type: "boolean", short: "w" }, json: { type: "boolean" } });
    if (values.help) return subcommandHelp(this, RUNS_OPTIONS_HELP);
    const [runId] = expectPositionals(this.usage, positionals, 1);
    const client = connect(values);
    const run = await client.terminateRun(runId!);
    if (values.json && !values.wait) return printJson(run);
    const out = values.json ? process.stderr : process.stdout;
    const style = styleFor(out);
    out.write(
      run.status === "CANCELED"
        ? `Run ${run.id} is ${style.yellow("CANCELED")}: it had not started.\n`
        : `Run ${run.id} is ${style.yellow("CANCELING")}: its worker is stopping it.\n`,
    );
    if (!values.wait) return 0;
    const code = await waitForRun(client, run, { json: values.json ?? false });
    // Terminating succeeded if the run ended CANCELED; it may have finished first.
    return code === 1 && (await client.run(run.id)).status === "CANCELED" ? 0 : code;
  },
};
