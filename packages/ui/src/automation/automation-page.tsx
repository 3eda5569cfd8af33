import type { LocationAutomation } from "@strata/sdk";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useStrata } from "../api/strata-provider.js";
import { clockTime, timeAgo } from "../format/time.js";
import { ErrorNote } from "../layout/error-note.js";
import { StatusBadge } from "../layout/status-badge.js";
import { ScheduleRow } from "./schedule-row.js";
import { SensorRow } from "./sensor-row.js";
import { TickList } from "./tick-list.js";
import { ListTable } from "../layout/list-table.js";

// No subscription announces ticks or schedule changes; a poll keeps next ticks and statuses current.
const POLL_MS = 10_000;

/** Each code location's condition automation, schedules and sensors, and the latest ticks. */
export function AutomationPage() {
  const { client } = useStrata();
  const overview = useQuery({
    queryKey: ["automation", "overview"],
    queryFn: () => client.automationOverview({ ticks: 1 }),
    refetchInterval: POLL_MS,
  });
  const ticks = useQuery({
    queryKey: ["automation", "ticks"],
    queryFn: () => client.automationTicks({ first: 30 }),
    refetchInterval: POLL_MS,
  });
  return (
    <div className="page">
      <h1>Automation</h1>
      <ErrorNote error={overview.error} />
      {overview.data?.length === 0 && <p className="empty">No code location has registered yet.</p>}
      {overview.data?.map((location) => (
        <LocationSection key={location.location} location={location} />
      ))}
      <section className="panel">
        <h2>Recent ticks</h2>
        <ErrorNote error={ticks.error} />
        {ticks.data && <TickList ticks={ticks.data.items} />}
      </section>
    </div>
  );
}

function LocationSection({ location }: { location: LocationAutomation }) {
  const { client } = useStrata();
  const queryClient = useQueryClient();
  const pause = useMutation({
    mutationFn: () => client.setAutomationPaused(location.location, !location.paused),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["automation"] }),
  });
  return (
    <section className="panel" data-testid="automation-location" data-name={location.location}>
      <h2>{location.location}</h2>
      <p data-testid="condition-automation">
        Condition automation <StatusBadge status={location.paused ? "PAUSED" : "RUNNING"} />{" "}
        {!location.paused && location.nextTickAt && (
          <span className="muted" title={clockTime(location.nextTickAt)}>
            next evaluation {timeAgo(location.nextTickAt)}
          </span>
        )}{" "}
        <button type="button" disabled={pause.isPending} onClick={() => pause.mutate()}>
          {location.paused ? "Resume" : "Pause"}
        </button>
      </p>
      <ErrorNote error={pause.error} />
      {location.schedules.length === 0 ? (
        <p className="muted">No schedules.</p>
      ) : (
        <ListTable columns={["Schedule", "Cron", "Status", "Next tick", "Last tick", "Targets", ""]} testId="schedules">
          {location.schedules.map((schedule) => (
            <ScheduleRow key={schedule.name} schedule={schedule} />
          ))}
        </ListTable>
      )}
      {location.sensors.length > 0 && (
        <ListTable columns={["Sensor", "Interval", "Status", "Cursor", "Last tick", "Targets", ""]} testId="sensors">
          {location.sensors.map((sensor) => (
            <SensorRow key={sensor.name} sensor={sensor} />
          ))}
        </ListTable>
      )}
    </section>
  );
}
