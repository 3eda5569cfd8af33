import type { ScheduleWithTicks } from "@strata/sdk";
import { useStrata } from "../api/strata-provider.js";
import { clockTime, timeAgo } from "../format/time.js";
import { InstigatorRow } from "./instigator-cells.js";

/** One schedule: cron, time zone, status, next tick, targets, and a start or stop button. */
export function ScheduleRow({ schedule }: { schedule: ScheduleWithTicks }) {
  const { client } = useStrata();
  const functionNote = schedule.hasFunction && (
    <span
      className="muted"
      data-testid="schedule-function"
      title={`A function in the code location decides each tick's runs${schedule.timeoutMs ? ` (timeout ${schedule.timeoutMs.toLocaleString("en-US")} ms)` : ""}`}
    >
      {" "}
      · function
    </span>
  );
  const nextTick = schedule.status === "RUNNING" && schedule.nextTickAt ? timeAgo(schedule.nextTickAt) : "—";
  return (
    <InstigatorRow
      testId="schedule"
      instigator={schedule}
      nameNote={functionNote}
      cadence={
        <td>
          <code>{schedule.cron}</code> <span className="muted">{schedule.timezone}</span>
        </td>
      }
      detail={<td title={clockTime(schedule.nextTickAt)}>{nextTick}</td>}
      toggle={(running) =>
        running ? client.stopSchedule(schedule.location, schedule.name) : client.startSchedule(schedule.location, schedule.name)
      }
    />
  );
}
