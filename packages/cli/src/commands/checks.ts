import type { AssetCheck, AssetCheckExecution, AssetCheckHealth, StrataClient } from "@strata/sdk";
import { Command } from "commander";
import { action, answerAction, parseCount } from "../command.js";
import { relativeTime } from "../output/relative-time.js";
import type { Style } from "../output/style.js";
import { formatTable } from "../output/table.js";
import { connect, type ServerOptions, serverCommand } from "../server-target.js";
import { parseTags } from "../tag-option.js";
import { afterQueued } from "./runs-launch.js";
import { withFollowOptions, type FollowOptions } from "./runs-options.js";

/** The order `checks list` shows assets in without one named: the ones needing attention first. */
const HEALTH_ORDER: AssetCheckHealth[] = ["FAILING", "WARNING", "NOT_EVALUATED", "PASSING"];

/**
 * `strata checks list [asset]` and `strata checks run <asset#check>...`: asset checks, their
 * latest results, and runs of the checks that run in steps of their own.
 *
 * @example
 * ```ts
 * await checksCommand().parseAsync(["list", "sales/orders"], { from: "user" });
 * ```
 */
export function checksCommand(): Command {
  const checks = new Command("checks").description("List asset checks with their latest results, or run checks.");
  const list = serverCommand("list", "checks with their latest results", [
    "The checks of [asset] (or of every asset that has checks, failing ones first, at most",
    "--first assets): whether each blocks, its latest result, severity and when.",
  ])
    .argument("[asset]", "an asset's key, e.g. sales/orders")
    .option("--first <n>", "without [asset]: how many assets to list (1-500; default 50)");
  answerAction(list, listChecks, formatChecks);
  const run = withFollowOptions(new Command("run"))
    .summary("run checks alone; --wait follows the run")
    .description(
      [
        "Queues one run of the checks (all of one code location), each in its check step on its",
        "asset's stored value, and prints its id. A check the asset evaluates in its own step runs",
        "only with the asset: `strata runs launch <asset>`. --wait follows the run to its end.",
      ].join(" "),
    )
    .argument("<check...>", 'check keys, "<asset key>#<name>"')
    .option("--partition <key>", "the partition to check (partitioned assets)");
  action(run, (keys: string[], options: FollowOptions & { partition?: string }) => runChecks(keys, options));
  return checks.addCommand(list).addCommand(run);
}

interface ListedAsset {
  assetKey: string;
  checkHealth: AssetCheckHealth | null;
  checks: AssetCheck[];
}

async function listChecks(asset: string | undefined, options: ServerOptions & { first?: string }): Promise<ListedAsset[]> {
  const client = connect(options);
  const first = parseCount("--first", options.first, { min: 1, max: 500 }) ?? 50;
  return asset ? [{ assetKey: asset, ...(await client.assetChecks(asset)) }] : everyCheckedAsset(client, first);
}

/** Assets that have checks, by health (the server filters on its index), then by key. */
async function everyCheckedAsset(client: StrataClient, first: number): Promise<ListedAsset[]> {
  const keys: string[] = [];
  for (const checkHealth of HEALTH_ORDER) {
    if (keys.length >= first) break;
    const page = await client.assets({ checkHealth, first: first - keys.length });
    keys.push(...page.items.map((a) => a.key));
  }
  return Promise.all(keys.map(async (assetKey) => ({ assetKey, ...(await client.assetChecks(assetKey)) })));
}

function formatChecks(assets: ListedAsset[], style: Style): string {
  const rows = assets.flatMap(({ checks }) =>
    checks.map((check) => {
      const latest = check.latestExecution;
      return [
        style.bold(check.key),
        check.blocking ? "yes" : "no",
        latest ? statusText(latest, style) : style.dim("never run"),
        latest?.severity && latest.status === "FAILED" ? latest.severity : "",
        latest ? relativeTime(latest.endedAt ?? latest.createdAt) : "",
      ];
    }),
  );
  if (rows.length === 0) return "No checks.";
  const table = formatTable(["CHECK", "BLOCKING", "LATEST", "SEVERITY", "WHEN"], rows);
  const health = assets.map((a) => `${a.assetKey}: ${a.checkHealth ? healthText(a.checkHealth, style) : style.dim("no checks")}`);
  return `${table}\n\n${health.join("\n")}`;
}

function statusText(execution: AssetCheckExecution, style: Style): string {
  const partition = execution.partition ? ` (${execution.partition})` : "";
  const colour =
    execution.status === "SUCCEEDED"
      ? style.green
      : execution.status === "FAILED" && execution.severity === "WARN"
        ? style.yellow
        : execution.status === "IN_PROGRESS" || execution.status === "SKIPPED"
          ? style.dim
          : style.red;
  return colour(`${execution.status}${partition}`);
}

function healthText(health: AssetCheckHealth, style: Style): string {
  return health === "PASSING"
    ? style.green(health)
    : health === "WARNING"
      ? style.yellow(health)
      : health === "FAILING"
        ? style.red(health)
        : health;
}

async function runChecks(keys: string[], options: FollowOptions & { partition?: string }): Promise<number> {
  const client = connect(options);
  const run = await client.launchRun({ checkKeys: keys, tags: parseTags(options.tag), partition: options.partition });
  const what = `${keys.length} check${keys.length === 1 ? "" : "s"} of code location "${run.location.name}"`;
  const partition = run.partitionKey ? `, partition ${run.partitionKey}` : "";
  return afterQueued(client, run, `Launched run ${run.id}: ${what}${partition} (${run.status})`, options);
}
