import type { DynamicPartitions, StrataClient } from "@strata/sdk";
import { Command } from "commander";
import { answerAction } from "../command.js";
import { formatPartitionStatus } from "../output/partition-status.js";
import { type PartitionRangeOptions, withPartitionRange } from "../partition-range-option.js";
import { connect, type ServerOptions, serverCommand } from "../server-target.js";

type StatusOptions = ServerOptions & PartitionRangeOptions;

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
  const add = dynamicKeysCommand("add", "add keys to dynamic partitions", "Adds keys to", (client, name, keys) =>
    client.addDynamicPartitions(name, keys),
  );
  const remove = dynamicKeysCommand(
    "delete",
    "delete keys of dynamic partitions",
    "Deletes keys of",
    (client, name, keys) => client.deleteDynamicPartitions(name, keys),
    "; their materializations stay in history",
  );
  return partitions.addCommand(statusCommand()).addCommand(add).addCommand(remove);
}

/** `partitions add|delete <name> <keys...>`: one change to a dynamic partitions definition's keys. */
function dynamicKeysCommand(
  verb: string,
  summary: string,
  does: string,
  change: (client: StrataClient, name: string, keys: string[]) => Promise<DynamicPartitions>,
  more = "",
): Command {
  const command = serverCommand(
    verb,
    summary,
    `${does} the dynamic partitions definition <name> (dynamicPartitions(name) in the definitions)${more}. Needs the launch scope.`,
  )
    .argument("<name>", "the dynamic partitions definition's name")
    .argument("<keys...>", `the keys to ${verb}`);
  return answerAction(
    command,
    (name: string, keys: string[], options: ServerOptions) => change(connect(options), name, keys),
    (result) => `Dynamic partitions "${result.name}" now have ${result.keys.length} key${result.keys.length === 1 ? "" : "s"}.`,
  );
}

/** `partitions status <asset> [--from] [--to]`: the asset's partitions as a bar, with counts and missing ranges. */
function statusCommand(): Command {
  const status = withPartitionRange(
    serverCommand(
      "status",
      "an asset's partitions by status, as a bar",
      "One line per asset: a bar (█ materialized, x failed, ▒ in progress, · missing), the counts, and each range that is not materialized.",
    ).argument("<asset>", "the asset's key, e.g. sales/daily_orders"),
    " to show",
  );
  return answerAction(
    status,
    (asset: string, options: StatusOptions) => connect(options).partitionStatus(asset, { from: options.from, to: options.to }),
    (report, style) => formatPartitionStatus(report, style, process.stdout.columns ?? 80),
  );
}
