import type { AutomationTick } from "@strata/sdk";
import { Link } from "wouter";
import { clockTime, timeAgo } from "../format/time.js";
import { StatusBadge } from "../layout/status-badge.js";
import { ListTable } from "../layout/list-table.js";

/** Ticks of schedules, sensors and condition evaluation, newest first. */
export function TickList({ ticks }: { ticks: readonly AutomationTick[] }) {
  if (ticks.length === 0) return <p className="empty">No ticks yet.</p>;
  return (
    <ListTable columns={["When", "Location", "Instigator", "Status", "Runs", "Why"]} testId="ticks">
      {ticks.map((tick) => (
        <tr key={tick.id} data-testid="tick">
          <td title={clockTime(tick.startedAt)}>{timeAgo(tick.startedAt)}</td>
          <td>{tick.location.name}</td>
          <td>
            {tick.sensorName ? (
              <>sensor {tick.sensorName}</>
            ) : tick.scheduleName ? (
              <>
                schedule {tick.scheduleName}
                {tick.scheduledAt && <span className="muted"> for {clockTime(tick.scheduledAt)}</span>}
              </>
            ) : (
              "conditions"
            )}
          </td>
          <td>
            <StatusBadge status={tick.status} />
          </td>
          <td>
            {tick.runIds.map((id) => (
              <Link key={id} href={`/runs/${id}`} className="chip">
                {id.slice(0, 8)}
              </Link>
            ))}
            {tick.runIds.length === 0 && <span className="muted">{tick.requested > 0 ? `${tick.requested} requested` : "none"}</span>}
          </td>
          <td className="muted">{tick.skipReason ?? errorText(tick.error)}</td>
        </tr>
      ))}
    </ListTable>
  );
}

function errorText(error: unknown): string {
  if (error === null || error === undefined) return "";
  if (typeof error === "string") return error;
  if (typeof error === "object" && "message" in error && typeof error.message === "string") return error.message;
  return JSON.stringify(error);
}
