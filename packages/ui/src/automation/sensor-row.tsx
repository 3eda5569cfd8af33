import type { SensorWithTicks } from "@strata/sdk";
import { useStrata } from "../api/strata-provider.js";
import { InstigatorRow } from "./instigator-cells.js";

/** One sensor: interval, status, cursor, last tick (with its skip reason), targets, and a start or stop button. */
export function SensorRow({ sensor }: { sensor: SensorWithTicks }) {
  const { client } = useStrata();
  const cursor = sensor.cursor === null ? <span className="muted">none</span> : <code>{sensor.cursor}</code>;
  return (
    <InstigatorRow
      testId="sensor"
      instigator={sensor}
      cadence={<td>every {sensor.minimumIntervalMs / 1000} s</td>}
      detail={<td data-testid="sensor-cursor">{cursor}</td>}
      toggle={(running) => client.setSensorStatus(sensor.location, sensor.name, running ? "STOPPED" : "RUNNING")}
    />
  );
}
