import type { ScheduleWithTicks } from "@strata/sdk";
import { useStrata } from "../api/strata-provider.js";
import { clockTime, timeAgo } from "../format/time.js";
import { StatusBadge } from "../layout/status-badge.js";
import { LastTickCell, StartStopCell, TargetChips } from "./instigator-cells.js";

/** One schedule: cron, time zone, status, next tick, targets, and a start or stop button. */
export function ScheduleRow({ schedule }: { schedule: ScheduleWithTicks }) {
  const { client } = useStrata();
  const running = schedule.status === "RUNNING";
  const lastTick = schedule.ticks.items[0];
  return (
    <tr data-testid="schedule" data-name={schedule.name}>
      <td>
        <strong>{schedule.name}</strong>
        {schedule.hasFunction && (
          <span
            className="muted"
            data-testid="schedule-function"
            title={`A function in the code location decides each tick's runs${schedule.timeoutMs ? ` (timeout ${schedule.timeoutMs.toLocaleString("en-US")} ms)` : ""}`}
          >
            {" "}
            · function
          </span>
        )}
        {schedule.description && <div className="muted">{schedule.description}</div>}
      </td>
      <td>
        <code>{schedule.cron}</code> <span className="muted">{schedule.timezone}</span>
      </td>
      <td>
        <StatusBadge status={schedule.status} />
      </td>
      <td title={clockTime(schedule.nextTickAt)}>{running && schedule.nextTickAt ? timeAgo(schedule.nextTickAt) : "—"}</td>
      <LastTickCell tick={lastTick} />
      <TargetChips keys={schedule.targetAssetKeys} />
      <StartStopCell
        running={running}
        toggle={() =>
          running ? client.stopSchedule(schedule.location, schedule.name) : client.startSchedule(schedule.location, schedule.name)
        }
      />
    </tr>
  );
}
