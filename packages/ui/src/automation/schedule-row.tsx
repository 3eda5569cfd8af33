import type { ScheduleWithTicks } from "@strata/sdk";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Link } from "wouter";
import { useStrata } from "../api/strata-provider.js";
import { assetHref } from "../catalog/asset-row.js";
import { clockTime, timeAgo } from "../format/time.js";
import { ErrorNote } from "../layout/error-note.js";
import { StatusBadge } from "../layout/status-badge.js";

/** One schedule: cron, time zone, status, next tick, targets, and a start or stop button. */
export function ScheduleRow({ schedule }: { schedule: ScheduleWithTicks }) {
  const { client } = useStrata();
  const queryClient = useQueryClient();
  const running = schedule.status === "RUNNING";
  // Refused without the `launch` scope: the server's sentence shows under the schedule.
  const toggle = useMutation({
    mutationFn: () =>
      running ? client.stopSchedule(schedule.location, schedule.name) : client.startSchedule(schedule.location, schedule.name),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["automation"] }),
  });
  const lastTick = schedule.ticks.items[0];
  return (
    <tr data-testid="schedule" data-name={schedule.name}>
      <td>
        <strong>{schedule.name}</strong>
        {schedule.description && <div className="muted">{schedule.description}</div>}
      </td>
      <td>
        <code>{schedule.cron}</code> <span className="muted">{schedule.timezone}</span>
      </td>
      <td>
        <StatusBadge status={schedule.status} />
      </td>
      <td title={clockTime(schedule.nextTickAt)}>{running && schedule.nextTickAt ? timeAgo(schedule.nextTickAt) : "—"}</td>
      <td title={clockTime(lastTick?.startedAt)}>
        {lastTick ? (
          <>
            <StatusBadge status={lastTick.status} /> {timeAgo(lastTick.scheduledAt ?? lastTick.startedAt)}
          </>
        ) : (
          <span className="muted">no ticks</span>
        )}
      </td>
      <td>
        {schedule.targetAssetKeys.slice(0, 3).map((key) => (
          <Link key={key} href={assetHref(key)} className="chip">
            {key}
          </Link>
        ))}
        {schedule.targetAssetKeys.length > 3 && ` +${schedule.targetAssetKeys.length - 3}`}
      </td>
      <td>
        <button type="button" className={running ? "danger" : "primary"} disabled={toggle.isPending} onClick={() => toggle.mutate()}>
          {running ? "Stop" : "Start"}
        </button>
        <ErrorNote error={toggle.error} />
      </td>
    </tr>
  );
}
