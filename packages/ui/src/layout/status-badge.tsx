export type Tone = "ok" | "bad" | "warn" | "busy" | "idle";

/**
 * A run's, step's, location's, backfill's, check's, schedule's or sync status, coloured by what
 * it means; `tone` overrides the colour where the status alone does not say it (a check that
 * failed with severity WARN).
 */
export function StatusBadge({ status, tone }: { status: string; tone?: Tone }) {
  return (
    <span className={`badge status-${tone ?? toneOf(status)}`} data-status={status}>
      {status.replaceAll("_", " ").toLowerCase()}
    </span>
  );
}

function toneOf(status: string): Tone {
  if (["SUCCESS", "LOADED", "MATERIALIZED", "COMPLETED_SUCCESS", "SUCCEEDED", "PASSING", "PASS", "SYNCED"].includes(status)) return "ok";
  if (["FAILURE", "FAILED", "LOAD_ERROR", "COMPLETED_FAILED", "EXECUTION_FAILED", "FAILING", "FAIL"].includes(status)) return "bad";
  if (["WARNING", "WARN", "UNSYNCED"].includes(status)) return "warn";
  if (["STARTED", "STARTING", "IN_PROGRESS", "CANCELING", "REQUESTED", "RUNNING", "UP_FOR_RETRY"].includes(status)) return "busy";
  return "idle";
}
