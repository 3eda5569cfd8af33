import type { PartitionStatusReport } from "@strata/sdk";
import { partitionBar } from "./partition-bar.js";
import type { Style } from "./style.js";

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
