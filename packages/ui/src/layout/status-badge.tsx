/** A run's, step's, location's or backfill's status, coloured by what it means. */
export function StatusBadge({ status }: { status: string }) {
  return (
    <span className={`badge status-${tone(status)}`} data-status={status}>
      {status.replaceAll("_", " ").toLowerCase()}
    </span>
  );
}

function tone(status: string): "ok" | "bad" | "busy" | "idle" {
  if (["SUCCESS", "LOADED", "MATERIALIZED", "COMPLETED_SUCCESS"].includes(status)) return "ok";
  if (["FAILURE", "FAILED", "LOAD_ERROR", "COMPLETED_FAILED"].includes(status)) return "bad";
  if (["STARTED", "STARTING", "IN_PROGRESS", "CANCELING", "REQUESTED", "RUNNING", "UP_FOR_RETRY"].includes(status)) return "busy";
  return "idle";
}
