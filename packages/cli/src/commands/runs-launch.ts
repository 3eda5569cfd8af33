import type { ReexecutionStrategy, Run } from "@strata/sdk";
import { CliError } from "../cli-error.js";
import { expectPositionals, parseOptions, printJson } from "../command.js";
import { styleFor } from "../output/style.js";
import { waitForRun } from "../runs/wait-for-run.js";
import { connect, serverOptions } from "../server-target.js";
import { parseTags } from "../tag-option.js";
import { RUNS_OPTIONS_HELP } from "./runs-options-help.js";
import { subcommandHelp, type Subcommand } from "./subcommand.js";

const followOptions = {
  ...serverOptions,
  tag: { type: "string", multiple: true },
  wait: { type: "boolean", short: "w" },
  json: { type: "boolean" },
} as const;

/**
 * `strata runs launch <key...>`: queues a run of the assets, prints its id, and with `--wait`
 * follows it to the end (exit 0 SUCCESS, 1 FAILURE or CANCELED).
 *
 * @example
 * ```ts
 * process.exitCode = await launchSubcommand.run(["sales/orders", "sales/revenue", "--wait"]);
 * ```
 */
export const launchSubcommand: Subcommand = {
  name: "launch",
  usage: "runs launch <key...> [--tag name=value ...] [--wait] [--json]",
  help: [
    "  Queues one run of the assets (all of one code location; a multi-asset that cannot be",
    "  split must be selected whole) and prints its id. --tag adds tags (repeatable);",
    "  strata/priority=N orders the queue. --wait follows the run and exits with its outcome.",
  ],
  async run(argv) {
    const { values, positionals } = parseOptions("runs launch", argv, followOptions);
    if (values.help) return subcommandHelp(this, RUNS_OPTIONS_HELP);
    if (positionals.length === 0) throw new CliError(`name the assets to run. Usage: strata ${this.usage}`, 2);
    const client = connect(values);
    const run = await client.launchRun({ assetKeys: positionals, tags: parseTags(values.tag) });
    const assets = `${run.assetKeys.length} asset${run.assetKeys.length === 1 ? "" : "s"} of code location "${run.location.name}"`;
    return afterQueued(client, run, `Launched run ${run.id}: ${assets} (${run.status})`, values);
  },
};

const STRATEGIES: Record<string, ReexecutionStrategy> = {
  "from-failure": "FROM_FAILURE",
  "from-asset-failure": "FROM_ASSET_FAILURE",
  "all-steps": "ALL_STEPS",
};

/**
 * `strata runs reexecute <runId>`: queues a child run of a finished run, from its failure
 * (the default), from the assets it did not materialize, or all of it again; values of steps
 * not run again are loaded from the parent's outputs.
 *
 * @example
 * ```ts
 * process.exitCode = await reexecuteSubcommand.run([runId, "--from-failure", "--wait"]);
 * ```
 */
export const reexecuteSubcommand: Subcommand = {
  name: "reexecute",
  usage: "runs reexecute <runId> [--from-failure | --from-asset-failure | --all-steps] [--tag name=value ...] [--wait] [--json]",
  help: [
    "  Queues a child run of a finished run. --from-failure (the default): the failed,",
    "  interrupted and never-started steps and what is downstream of them; --from-asset-failure:",
    "  the steps of the assets not materialized; --all-steps: the whole run again. Outputs of",
    "  steps not run again are loaded from where the earlier run stored them, not recomputed.",
  ],
  async run(argv) {
    const { values, positionals } = parseOptions("runs reexecute", argv, {
      ...followOptions,
      "from-failure": { type: "boolean" },
      "from-asset-failure": { type: "boolean" },
      "all-steps": { type: "boolean" },
    });
    if (values.help) return subcommandHelp(this, RUNS_OPTIONS_HELP);
    const [runId] = expectPositionals(this.usage, positionals, 1);
    const chosen = Object.keys(STRATEGIES).filter((flag) => values[flag as keyof typeof values]);
    if (chosen.length > 1) throw new CliError(`choose one of ${chosen.map((f) => `--${f}`).join(", ")}`, 2);
    const strategy = STRATEGIES[chosen[0] ?? "from-failure"]!;
    const client = connect(values);
    const run = await client.reexecuteRun({ runId: runId!, strategy, extraTags: parseTags(values.tag) });
    const steps = `${run.stepKeys.length} step${run.stepKeys.length === 1 ? "" : "s"} (${run.stepKeys.join(", ")})`;
    return afterQueued(client, run, `Re-executing run ${runId} ${strategy} as run ${run.id}: ${steps} (${run.status})`, values);
  },
};

/** Says what was queued, then prints it as JSON, follows it (`--wait`), or says how to. */
async function afterQueued(client: ReturnType<typeof connect>, run: Run, sentence: string, values: { wait?: boolean; json?: boolean }): Promise<number> {
  if (values.json && !values.wait) return printJson(run);
  const out = values.json ? process.stderr : process.stdout;
  const style = styleFor(out);
  out.write(`${sentence}\n`);
  if (!values.wait) {
    out.write(style.dim(`  Follow it: strata runs watch ${run.id}\n`));
    return 0;
  }
  return waitForRun(client, run, { json: values.json ?? false });
}
