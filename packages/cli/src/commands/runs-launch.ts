import { CliError } from "../cli-error.js";
import type { ReexecutionStrategy, Run } from "@strata/sdk";
import { Command, Option } from "commander";
import { action, printJson } from "../command.js";
import { styleFor } from "../output/style.js";
import { waitForRun } from "../runs/wait-for-run.js";
import { connect } from "../server-target.js";
import { parseTags } from "../tag-option.js";
import { withFollowOptions, type FollowOptions } from "./runs-options.js";

/**
 * `strata runs launch <key...>`: queues a run of the assets, prints its id, and with `--wait`
 * follows it to the end (exit 0 SUCCESS, 1 FAILURE or CANCELED).
 *
 * @example
 * ```ts
 * await launchCommand().parseAsync(["sales/orders", "sales/revenue", "--wait"], { from: "user" });
 * ```
 */
export function launchCommand(): Command {
  const launch = withFollowOptions(new Command("launch"))
    .summary("queue a run of assets; --wait follows it")
    .description(
      [
        "Queues one run of the assets (all of one code location; a multi-asset that cannot be",
        "split must be selected whole) and prints its id. --tag adds tags (repeatable);",
        "strata/priority=N orders the queue. --unsynced launches only those of the assets that are",
        "unsynced or never materialized (of --partition, for partitioned ones); when all are synced",
        "nothing is launched and it exits 1. --wait follows the run and exits with its outcome.",
      ].join(" "),
    )
    .argument("<key...>", "the keys of the assets to run")
    .option("--partition <key>", "the partition to materialize (partitioned assets)")
    .option("--partition-range <from..to>", "an inclusive range of partitions for one run, e.g. 2024-01-01..2024-01-31")
    .addOption(
      new Option("--unsynced", "only the assets that are unsynced or never materialized (see strata assets why-unsynced)").conflicts(
        "partitionRange",
      ),
    );
  type LaunchOptions = FollowOptions & { partition?: string; partitionRange?: string; unsynced?: boolean };
  return action(launch, async (keys: string[], options: LaunchOptions) => {
    const client = connect(options);
    const run = await client.launchRun({
      assetKeys: keys,
      tags: parseTags(options.tag),
      partition: options.partition,
      partitionRange: parsePartitionRange(options.partitionRange),
      unsyncedOnly: options.unsynced,
    });
    const count = `${run.assetKeys.length} asset${run.assetKeys.length === 1 ? "" : "s"}`;
    // Narrowed by the server: name what it kept.
    const selected = options.unsynced ? `${count} unsynced or missing (${run.assetKeys.join(", ")})` : count;
    const assets = `${selected} of code location "${run.location.name}"`;
    const partitions = run.partitionKey
      ? `, partition ${run.partitionKey}`
      : run.partitionRange
        ? `, partitions ${run.partitionRange.from}..${run.partitionRange.to}`
        : "";
    return afterQueued(client, run, `Launched run ${run.id}: ${assets}${partitions} (${run.status})`, options);
  });
}

/** "2024-01-01..2024-01-31" → { from, to }; a usage error (exit 2) otherwise. */
export function parsePartitionRange(text: string | undefined): { from: string; to: string } | undefined {
  if (text === undefined) return undefined;
  const parts = text.split("..");
  if (parts.length !== 2 || !parts[0] || !parts[1])
    throw new CliError(`--partition-range "${text}" must be <from>..<to>, e.g. 2024-01-01..2024-01-31`, 2);
  return { from: parts[0], to: parts[1] };
}

interface ReexecuteOptions extends FollowOptions {
  fromFailure?: boolean;
  fromAssetFailure?: boolean;
  allSteps?: boolean;
  step?: string[];
}

/**
 * `strata runs reexecute <runId>`: queues a child run of a finished run, from its failure
 * (the default), from the assets it did not materialize, or all of it again; values of steps
 * not run again are loaded from the parent's outputs.
 *
 * @example
 * ```ts
 * await reexecuteCommand().parseAsync([runId, "--from-failure", "--wait"], { from: "user" });
 * ```
 */
export function reexecuteCommand(): Command {
  const reexecute = withFollowOptions(new Command("reexecute"))
    .summary("queue a child run of a finished run, from its failure by default")
    .description(
      [
        "Queues a child run of a finished run. --from-failure (the default): the failed,",
        "interrupted and never-started steps and what is downstream of them; --from-asset-failure:",
        "the steps of the assets not materialized; --all-steps: the whole run again; --step <key>",
        "(repeatable): exactly those steps of the run, e.g. one op of a graph asset. Outputs of",
        "steps not run again are loaded from where the earlier run stored them, not recomputed.",
      ].join(" "),
    )
    .argument("<runId>", "the finished run")
    .addOption(
      new Option("--from-failure", "its failed steps and what is downstream of them (the default)").conflicts([
        "fromAssetFailure",
        "allSteps",
      ]),
    )
    .addOption(new Option("--from-asset-failure", "the steps of the assets it did not materialize").conflicts(["allSteps", "step"]))
    .addOption(new Option("--all-steps", "the whole run again").conflicts("step"))
    .addOption(
      new Option("--step <key>", "one of its steps to run again (repeatable; e.g. report.total, an op of a graph asset)")
        .conflicts("fromFailure")
        .argParser((value: string, previous: string[] = []) => [...previous, value]),
    );
  return action(reexecute, async (runId: string, options: ReexecuteOptions) => {
    const strategy: ReexecutionStrategy = options.step?.length
      ? "SELECTED_STEPS"
      : options.allSteps
        ? "ALL_STEPS"
        : options.fromAssetFailure
          ? "FROM_ASSET_FAILURE"
          : "FROM_FAILURE";
    const client = connect(options);
    const run = await client.reexecuteRun({ runId, strategy, stepKeys: options.step, extraTags: parseTags(options.tag) });
    const steps = `${run.stepKeys.length} step${run.stepKeys.length === 1 ? "" : "s"} (${run.stepKeys.join(", ")})`;
    return afterQueued(client, run, `Re-executing run ${runId} ${strategy} as run ${run.id}: ${steps} (${run.status})`, options);
  });
}

/** Says what was queued, then prints it as JSON, follows it (`--wait`), or says how to. */
export async function afterQueued(
  client: ReturnType<typeof connect>,
  run: Run,
  sentence: string,
  values: { wait?: boolean; json?: boolean },
): Promise<number> {
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
