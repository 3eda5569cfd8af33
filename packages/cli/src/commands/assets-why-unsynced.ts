import type { AssetSyncStatus, SyncCause } from "@strata/sdk";
import type { Command } from "commander";
import { answerAction } from "../command.js";
import type { Style } from "../output/style.js";
import { connect, type ServerOptions, serverCommand } from "../server-target.js";

/**
 * `strata assets why-unsynced <key> [--partition P]`: the asset's sync state, its causes as a
 * tree (each cause under the one it explains) and the root causes.
 *
 * @example
 * ```ts
 * await whyUnsyncedCommand().parseAsync(["sales/revenue", "--partition", "2024-01-03"], { from: "user" });
 * ```
 */
export function whyUnsyncedCommand(): Command {
  const why = serverCommand("why-unsynced", "why an asset is unsynced: causes as a tree, and root causes", [
    "Whether the asset's latest materialization (of --partition, for a partitioned asset) used",
    "its current code and its dependencies' current data, Dagster's rules: SYNCED, UNSYNCED or",
    "MISSING (never materialized). For UNSYNCED, the causes as a tree, each dependency's own",
    "causes under it, and the root causes: what to materialize or fix first. A partitioned",
    "asset without --partition lists its unsynced partitions and explains the first.",
  ])
    .argument("<key>", "the asset's key")
    .option("--partition <key>", "one partition of a partitioned asset");
  return answerAction(
    why,
    (key: string, options: ServerOptions & { partition?: string }) =>
      connect(options).assetSyncStatus(key, { partition: options.partition }),
    formatSyncStatus,
  );
}

function formatSyncStatus(status: AssetSyncStatus, style: Style): string {
  const node = status.partition === null ? status.key : `${status.key}[${status.partition}]`;
  const state = { SYNCED: style.green, UNSYNCED: style.yellow, MISSING: style.dim }[status.state](status.state);
  const lines = [`${style.bold(node)}  ${state}`];
  const ranges = status.unsyncedPartitions;
  if (ranges && ranges.count > 0) {
    const shown = ranges.ranges.map((r) => (r.count === 1 ? r.startKey : `${r.startKey}..${r.endKey}`));
    lines.push(`  ${ranges.count} unsynced partition${ranges.count === 1 ? "" : "s"}: ${shown.join(", ")}`);
  }
  if (status.state === "SYNCED") lines.push("  Its latest materialization used its current code and its dependencies' current data.");
  if (status.state === "MISSING") {
    lines.push(`  Never materialized${status.partition === null ? "" : " (this partition)"}: nothing to compare yet.`);
  }
  if (status.state !== "UNSYNCED") return lines.join("\n");
  const first = status.causes[0]?.partition;
  const which = status.partition === null && first ? ` (partition ${first}; --partition for another)` : "";
  lines.push("", `${style.bold("Causes")}${which}`);
  const walk = (causes: readonly SyncCause[], prefix: string) =>
    causes.forEach((cause, i) => {
      const last = i === causes.length - 1;
      lines.push(`${prefix}${last ? "└── " : "├── "}${describeCause(cause, style)}`);
      walk(cause.children, `${prefix}${last ? "    " : "│   "}`);
    });
  walk(status.causes, "");
  lines.push("", `${style.bold("Root causes")} (materialize or fix these first)`);
  for (const cause of status.rootCauses) lines.push(`  ${describeCause(cause, style)}`);
  return lines.join("\n");
}

/** "clean_orders has a new dependency data version: raw/orders (DATA)". */
function describeCause(cause: SyncCause, style: Style): string {
  const at = (key: string, partition: string | null) => (partition === null ? key : `${key}[${partition}]`);
  const dependency = cause.dependency === null ? null : at(cause.dependency, cause.dependencyPartition);
  // Some reasons name the dependency already ("removed dependency on x").
  const named = dependency === null || cause.reason.endsWith(` on ${cause.dependency}`) ? "" : `: ${dependency}`;
  return `${at(cause.assetKey, cause.partition)} ${cause.reason}${named} ${style.dim(`(${cause.category})`)}`;
}
