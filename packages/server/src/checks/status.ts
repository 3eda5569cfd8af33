import { isTerminalRunStatus } from "@strata/protocol";

/** A check execution's status as read: the stored one, with PLANNED resolved from its run. */
export type ResolvedCheckStatus = "IN_PROGRESS" | "SUCCEEDED" | "FAILED" | "EXECUTION_FAILED" | "SKIPPED";

/**
 * Dagster's resolution (dagster_graphql fetch_asset_checks): a PLANNED execution is IN_PROGRESS
 * while its run has not ended, EXECUTION_FAILED when the run failed, and SKIPPED when it ended
 * otherwise (succeeded without reaching the check, or was canceled). Resolved when read, so a
 * run's end writes nothing per check.
 */
export function resolveCheckStatus(stored: string, runStatus: string | null | undefined): ResolvedCheckStatus {
  if (stored !== "PLANNED") return stored as ResolvedCheckStatus;
  if (runStatus && !isTerminalRunStatus(runStatus)) return "IN_PROGRESS";
  return runStatus === "FAILURE" ? "EXECUTION_FAILED" : "SKIPPED";
}
