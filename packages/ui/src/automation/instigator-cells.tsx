import { Link } from "wouter";
import { assetHref } from "../catalog/asset-row.js";
import { ErrorNote } from "../layout/error-note.js";

/** A schedule's or sensor's targets: the first three as links, then how many more. */
export function TargetChips({ keys }: { keys: readonly string[] }) {
  return (
    <td>
      {keys.slice(0, 3).map((key) => (
        <Link key={key} href={assetHref(key)} className="chip">
          {key}
        </Link>
      ))}
      {keys.length > 3 && ` +${keys.length - 3}`}
    </td>
  );
}

/** Start or Stop for a schedule or sensor; a refusal (no `launch` scope) shows under it. */
export function StartStopCell({
  running,
  pending,
  error,
  onToggle,
}: {
  running: boolean;
  pending: boolean;
  error: unknown;
  onToggle: () => void;
}) {
  return (
    <td>
      <button type="button" className={running ? "danger" : "primary"} disabled={pending} onClick={onToggle}>
        {running ? "Stop" : "Start"}
      </button>
      <ErrorNote error={error} />
    </td>
  );
}
