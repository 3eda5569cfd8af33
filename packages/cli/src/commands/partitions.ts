import type { PartitionStatusReport } from "@strata/sdk";
import { Command } from "commander";
import { action, printJson } from "../command.js";
import { partitionBar } from "../output/partition-bar.js";
import { styleFor, type Style } from "../output/style.js";
import { connect, withServerOptions, type ServerOptions } from "../server-target.js";

interface StatusOptions extends ServerOptions {
  from?: string;
  to?: string;
  json?: boolean;
}

/**
 * `strata partitions status|add|delete`: an asset's partitions by status, and the keys of
 * dynamic partitions definitions, through @strata/sdk.
 *
 * @example
 * ```ts
 * await partitionsCommand().parseAsync(["status", "sales/daily_orders"], { from: "user" });
 * ```
 */
export function partitionsCommand(): Command {
  const partitions = new Command("partitions").description("Partitions: an asset's status bar, and dynamic partition keys.");
  const status = withServerOptions(new Command("status"))
    .summary("an asset's partitions by status, as a bar")
    .description(
      "One line per asset: a bar (█ materialized, x failed, ▒ in progress, · missing), the counts, and each range that is not materialized.",
    )
    .argument("<asset>", "the asset's key, e.g. sales/daily_orders")
    .option("--from <key>", "the first partition to show (default: the first)")
    .option("--to <key>", "the last partition to show (default: the last)")
    .option("--json", "print JSON for scripts");
  action(status, async (asset: string, options: StatusOptions) => {
    const report = await connect(options).partitionStatus(asset, { from: options.from, to: options.to });
    if (options.json) return printJson(report);
    console.log(formatPartitionStatus(report, styleFor(process.stdout), process.stdout.columns ?? 80));
    return 0;
  });
  const add = withServerOptions(new Command("add"))
    .summary("add keys to dynamic partitions")
    .description(
      "Adds keys to the dynamic partitions definition <name> (dynamicPartitions(name) in the definitions). Needs the launch scope.",
    )
    .argument("<name>", "the dynamic partitions definition's name")
    .argument("<keys...>", "the keys to add")
    .option("--json", "print JSON for scripts");
  action(add, async (name: string, keys: string[], options: ServerOptions & { json?: boolean }) => {
    const result = await connect(options).addDynamicPartitions(name, keys);
    if (options.json) return printJson(result);
    console.log(`Dynamic partitions "${result.name}" now have ${result.keys.length} key${result.keys.length === 1 ? "" : "s"}.`);
    return 0;
  });
  const remove = withServerOptions(new Command("delete"))
    .summary("delete keys of dynamic partitions")
    .description(
      "Deletes keys of the dynamic partitions definition <name>; their materializations stay in history. Needs the launch scope.",
    )
    .argument("<name>", "the dynamic partitions definition's name")
    .argument("<keys...>", "the keys to delete")
    .option("--json", "print JSON for scripts");
  action(remove, async (name: string, keys: string[], options: ServerOptions & { json?: boolean }) => {
    const result = await connect(options).deleteDynamicPartitions(name, keys);
    if (options.json) return printJson(result);
    console.log(`Dynamic partitions "${result.name}" now have ${result.keys.length} key${result.keys.length === 1 ? "" : "s"}.`);
    return 0;
  });
  return partitions.addCommand(status).addCommand(add).addCommand(remove);
}

/**
 * An asset's partition status for a terminal: the bar, the counts, then the ranges that are
 * not materialized (at most 10).
 *
 * @example
 * ```ts
 * formatPartitionStatus(report, style, 80);
 * // "sales/daily_orders  ··████x▒··  4/10 materialized, 1 failed, 1 in progress, 4 missing"
 * ```
 */
export function formatPartitionStatus(report: PartitionStatusReport, style: Style, columns: number): string {
  if (!report.status) return `${report.assetKey} is not partitioned.`;
  const { ranges, counts } = report.status;
  if (counts.total === 0) return `${report.assetKey} has no partitions yet.`;
  const summary = [
    `${counts.materialized}/${counts.total} materialized`,
    counts.failed ? style.red(`${counts.failed} failed`) : null,
    counts.inProgress ? style.cyan(`${counts.inProgress} in progress`) : null,
    counts.missing ? `${counts.missing} missing` : null,
  ]
    .filter(Boolean)
    .join(", ");
  const width = Math.max(10, Math.min(60, columns - report.assetKey.length - 4));
  const lines = [`${style.bold(report.assetKey)}  ${partitionBar(ranges, width, style)}`, `  ${summary}`];
  const notDone = ranges.filter((r) => r.status !== "MATERIALIZED");
  for (const range of notDone.slice(0, 10)) {
    const keys = range.count === 1 ? range.startKey : `${range.startKey} .. ${range.endKey} (${range.count})`;
    lines.push(`  ${range.status.toLowerCase().replace("_", " ").padEnd(12)} ${keys}`);
  }
  if (notDone.length > 10) lines.push(style.dim(`  … ${notDone.length - 10} more ranges (--json lists them all)`));
  return lines.join("\n");
}
