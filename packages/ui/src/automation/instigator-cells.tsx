import type { AutomationTick, ScheduleWithTicks, SensorWithTicks } from "@strata/sdk";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { Link } from "wouter";
import { assetHref } from "../catalog/asset-row.js";
import { clockTime, timeAgo } from "../format/time.js";
import { ErrorNote } from "../layout/error-note.js";
import { StatusBadge } from "../layout/status-badge.js";

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

/**
 * Start or Stop for a schedule or sensor: `toggle` asks the server, then the automation page
 * reloads. A refusal (no `launch` scope) shows under the button.
 */
export function StartStopCell({ running, toggle }: { running: boolean; toggle: () => Promise<unknown> }) {
  const queryClient = useQueryClient();
  const mutation = useMutation({
    mutationFn: toggle,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["automation"] }),
  });
  return (
    <td>
      <button type="button" className={running ? "danger" : "primary"} disabled={mutation.isPending} onClick={() => mutation.mutate()}>
        {running ? "Stop" : "Start"}
      </button>
      <ErrorNote error={mutation.error} />
    </td>
  );
}

/** A schedule's or sensor's last tick: its status, its scheduled instant (or start), and why it skipped. */
export function LastTickCell({ tick }: { tick: AutomationTick | undefined }) {
  return (
    <td title={clockTime(tick?.startedAt)}>
      {tick ? (
        <>
          <StatusBadge status={tick.status} /> {timeAgo(tick.scheduledAt ?? tick.startedAt)}
          {tick.skipReason && <div className="muted">{tick.skipReason}</div>}
        </>
      ) : (
        <span className="muted">no ticks</span>
      )}
    </td>
  );
}

/**
 * A schedule's or sensor's row: its name (then `nameNote`) over its description, `cadence`, its
 * status, `detail`, its last tick, its targets, and Start or Stop (`toggle`, given whether it runs).
 */
export function InstigatorRow(props: {
  testId: string;
  instigator: ScheduleWithTicks | SensorWithTicks;
  nameNote?: ReactNode;
  cadence: ReactNode;
  detail: ReactNode;
  toggle(running: boolean): Promise<unknown>;
}) {
  const { instigator } = props;
  const running = instigator.status === "RUNNING";
  return (
    <tr data-testid={props.testId} data-name={instigator.name}>
      <td>
        <strong>{instigator.name}</strong>
        {props.nameNote}
        {instigator.description && <div className="muted">{instigator.description}</div>}
      </td>
      {props.cadence}
      <td>
        <StatusBadge status={instigator.status} />
      </td>
      {props.detail}
      <LastTickCell tick={instigator.ticks.items[0]} />
      <TargetChips keys={instigator.targetAssetKeys} />
      <StartStopCell running={running} toggle={() => props.toggle(running)} />
    </tr>
  );
}
