import type { RunDetail } from "@strata/sdk";
import { formatDuration } from "../output/progress.js";
import type { Style } from "../output/style.js";

/**
 * The lines that close a followed run: its status, time, what its steps did and what it
 * materialized, the reason it failed, and for a failure the command that runs it again.
 *
 * @example
 * ```ts
 * console.log(runSummary(await client.run(runId), style).join("\n"));
 * // ✓ SUCCESS  run 2aaeb5dc-… in 89ms: 6 of 6 steps succeeded, 6 assets materialized
 * ```
 */
export function runSummary(run: RunDetail, style: Style): string[] {
  const count = (status: string) => run.steps.filter((s) => s.status === status).length;
  const total = run.stepKeys.length;
  const took = run.durationMs === null ? "" : ` in ${formatDuration(run.durationMs)}`;
  // A partitioned asset is materialized once per partition: count assets, then partitions.
  const assets = new Set(run.materializations.map((m) => m.assetKey)).size;
  const partitions = run.materializations.filter((m) => m.partition !== null).length;
  const materialized = `${assets} asset${assets === 1 ? "" : "s"} materialized${partitions ? ` (${partitions} partition${partitions === 1 ? "" : "s"})` : ""}`;
  const failed = run.steps.filter((s) => s.status === "FAILURE").map((s) => s.stepKey);
  const interrupted = run.steps.filter((s) => s.status === "CANCELED").map((s) => s.stepKey);
  const parts: string[] = [];
  if (failed.length) parts.push(`${failed.join(", ")} failed`);
  if (interrupted.length) parts.push(`${interrupted.join(", ")} interrupted`);
  if (count("SKIPPED")) parts.push(`${count("SKIPPED")} skipped`);
  parts.push(`${count("SUCCESS")} of ${total} step${total === 1 ? "" : "s"} succeeded`, materialized);
  const what = `run ${run.id}${took}: ${parts.join(", ")}`;
  switch (run.status) {
    case "SUCCESS":
      return [`${style.green("✓ SUCCESS")}  ${what}`];
    case "FAILURE":
      return [
        `${style.red("✗ FAILURE")}  ${what}`,
        ...(run.failureReason && !failed.length ? [`  ${run.failureReason}`] : []),
        style.dim(`  Run the failed steps again: strata runs reexecute ${run.id} --from-failure --wait`),
      ];
    case "CANCELED":
      return [`${style.yellow("⊘ CANCELED")}  ${what}`, ...(run.failureReason ? [`  ${run.failureReason}`] : [])];
    default:
      return [`${run.status}  ${what}`];
  }
}

/**
 * The exit code for a run's status: 0 for SUCCESS, 1 for FAILURE and CANCELED (and anything
 * unfinished), so `strata runs launch … --wait && deploy` does what it reads as.
 *
 * @example
 * ```ts
 * return exitCodeFor(run.status);
 * ```
 */
export function exitCodeFor(status: string): number {
  return status === "SUCCESS" ? 0 : 1;
}
