import type { Command } from "commander";

/** The `--from`/`--to` values of a command over a range of partitions (withPartitionRange). */
export interface PartitionRangeOptions {
  from?: string;
  to?: string;
}

/**
 * Adds `--from <key>` and `--to <key>`: an inclusive range of partition keys, each end defaulting
 * to the definition's first or last partition. `purpose` ends the options' help ("to show").
 *
 * @example
 * ```ts
 * withPartitionRange(serverCommand("status", "a bar", "One line per asset.").argument("<asset>"), " to show");
 * ```
 */
export function withPartitionRange(command: Command, purpose = ""): Command {
  return command
    .option("--from <key>", `the first partition${purpose} (default: the first)`)
    .option("--to <key>", `the last partition${purpose} (default: the last)`);
}
