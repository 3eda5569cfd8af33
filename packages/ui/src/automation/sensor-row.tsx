import type { SensorWithTicks } from "@strata/sdk";
import { useStrata } from "../api/strata-provider.js";
import { StatusBadge } from "../layout/status-badge.js";
import { LastTickCell, StartStopCell, TargetChips } from "./instigator-cells.js";

/** One sensor: interval, status, cursor, last tick (with its skip reason), targets, and a start or stop button. */
export function SensorRow({ sensor }: { sensor: SensorWithTicks }) {
  const { client } = useStrata();
  const running = sensor.status === "RUNNING";
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
      <LastTickCell tick={lastTick} />
      <TargetChips keys={sensor.targetAssetKeys} />
      <StartStopCell
        running={running}
        toggle={() => client.setSensorStatus(sensor.location, sensor.name, running ? "STOPPED" : "RUNNING")}
      />
    </tr>
  );
}
