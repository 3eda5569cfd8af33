import { Command } from "commander";
import { action, printJson } from "../command.js";
import { formatPartitionStatus } from "../output/partition-status.js";
import { styleFor } from "../output/style.js";
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
