import type { SensorWithTicks } from "@strata/sdk";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useStrata } from "../api/strata-provider.js";
import { clockTime, timeAgo } from "../format/time.js";
import { StatusBadge } from "../layout/status-badge.js";
import { StartStopCell, TargetChips } from "./instigator-cells.js";

/** One sensor: interval, status, cursor, last tick (with its skip reason), targets, and a start or stop button. */
export function SensorRow({ sensor }: { sensor: SensorWithTicks }) {
  const { client } = useStrata();
  const queryClient = useQueryClient();
  const running = sensor.status === "RUNNING";
  const toggle = useMutation({
    mutationFn: () => client.setSensorStatus(sensor.location, sensor.name, running ? "STOPPED" : "RUNNING"),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["automation"] }),
  });
  const lastTick = sensor.ticks.items[0];
  return (
    <tr data-testid="sensor" data-name={sensor.name}>
      <td>
        <strong>{sensor.name}</strong>
        {sensor.description && <div className="muted">{sensor.description}</div>}
      </td>
      <td>every {sensor.minimumIntervalMs / 1000} s</td>
      <td>
        <StatusBadge status={sensor.status} />
      </td>
      <td data-testid="sensor-cursor">{sensor.cursor === null ? <span className="muted">none</span> : <code>{sensor.cursor}</code>}</td>
      <td title={clockTime(lastTick?.startedAt)}>
        {lastTick ? (
          <>
            <StatusBadge status={lastTick.status} /> {timeAgo(lastTick.startedAt)}
            {lastTick.skipReason && <div className="muted">{lastTick.skipReason}</div>}
          </>
        ) : (
          <span className="muted">no ticks</span>
        )}
      </td>
      <TargetChips keys={sensor.targetAssetKeys} />
      <StartStopCell running={running} pending={toggle.isPending} error={toggle.error} onToggle={() => toggle.mutate()} />
    </tr>
  );
}
