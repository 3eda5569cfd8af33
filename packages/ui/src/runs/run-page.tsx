import type { ReexecutionStrategy } from "@strata/sdk";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, useRef, useState } from "react";
import { Link, useLocation } from "wouter";
import { useStrata } from "../api/strata-provider.js";
import { useSubscription } from "../api/use-subscription.js";
import { assetHref } from "../catalog/asset-row.js";
import { clockTime, duration } from "../format/time.js";
import { ErrorNote } from "../layout/error-note.js";
import { StatusBadge } from "../layout/status-badge.js";
import { GanttChart } from "./gantt-chart.js";
import { RunLog } from "./run-log.js";
import { StepAttemptReader, stepRowAttempts } from "./step-attempts.js";
import { useRunEvents } from "./use-run-events.js";
import { useSelection } from "../layout/use-selection.js";

const FINISHED = new Set(["SUCCESS", "FAILURE", "CANCELED"]);
const STRATEGIES: Array<[ReexecutionStrategy, string]> = [
  ["FROM_FAILURE", "Re-execute from failure"],
  ["FROM_ASSET_FAILURE", "Re-execute from asset failure"],
  ["ALL_STEPS", "Re-execute all steps"],
];

/** One run: status, Gantt chart of its steps, live log; re-execute and terminate. */
export function RunPage({ runId }: { runId: string }) {
  const { client } = useStrata();
  const queryClient = useQueryClient();
  const [, navigate] = useLocation();
  const run = useQuery({ queryKey: ["run", runId], queryFn: () => client.run(runId) });
  const { events, version } = useRunEvents(runId);
  useSubscription(
    `status:${runId}`,
    (c) => c.runStatusChanged({ runId }),
    () => void queryClient.invalidateQueries({ queryKey: ["run", runId] }),
  );
  const data = run.data;
  const finished = data ? FINISHED.has(data.status) : false;
  // A running run's bars grow with the clock.
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (finished) return;
    const timer = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(timer);
  }, [finished]);
  // Read incrementally: a long run's log grows by thousands of events while the page is open.
  const reader = useRef<StepAttemptReader | null>(null);
  if (reader.current?.events !== events) reader.current = new StepAttemptReader(events);
  // The server's step rows draw every started step at once; the log's attempts (retries
  // included) replace a step's row as its events arrive.
  const rowAttempts = useMemo(() => (data ? stepRowAttempts(data) : []), [data]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `events` grows in place; `version` says when.
  const attempts = useMemo(() => {
    const read = reader.current!.update();
    const seen = new Set(read.map((a) => a.stepKey));
    const rest = rowAttempts.filter((a) => !seen.has(a.stepKey));
    return rest.length ? [...read, ...rest] : read;
  }, [rowAttempts, events, version]);
  // The run ended while the page was open: the log's last event says so before the status query.
  const lastType = events.at(-1)?.type;
  useEffect(() => {
    if (lastType === "RUN_SUCCESS" || lastType === "RUN_FAILURE" || lastType === "RUN_CANCELED")
      void queryClient.invalidateQueries({ queryKey: ["run", runId] });
  }, [lastType, queryClient, runId]);

  // Steps picked on the chart (a click on a row) for "Re-execute selected steps".
  const { selected, toggle, clear } = useSelection();
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new run (the child followed) starts with nothing selected.
  useEffect(() => clear(), [runId]);
  const reexecute = useMutation({
    mutationFn: (strategy: ReexecutionStrategy) =>
      client.reexecuteRun({ runId, strategy, stepKeys: strategy === "SELECTED_STEPS" ? [...selected] : undefined }),
    // Follow the child: its page subscribes to its status and log.
    onSuccess: (child) => navigate(`/runs/${child.id}`),
  });
  const terminate = useMutation({
    mutationFn: () => client.terminateRun(runId),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ["run", runId] }),
  });

  if (run.error) {
    return (
      <div className="page">
        <h1>Run {runId}</h1>
        <ErrorNote error={run.error} />
      </div>
    );
  }
  if (!data) return <div className="page muted">Loading run…</div>;
  return (
    <div className="page run-page">
      <p className="crumbs">
        <Link href="/runs">Runs</Link> / {runId}
      </p>
      <div className="run-head">
        <h1>
          Run {runId.slice(0, 8)} <StatusBadge status={data.status} />
        </h1>
        <div className="actions">
          {STRATEGIES.map(([strategy, label]) => (
            <button
              type="button"
              key={strategy}
              className={strategy === "FROM_FAILURE" ? "primary" : undefined}
              disabled={!finished || reexecute.isPending}
              onClick={() => reexecute.mutate(strategy)}
            >
              {label}
            </button>
          ))}
          <button
            type="button"
            disabled={!finished || selected.size === 0 || reexecute.isPending}
            title="Click steps in the chart to select them"
            onClick={() => reexecute.mutate("SELECTED_STEPS")}
          >
            Re-execute {selected.size || ""} selected step{selected.size === 1 ? "" : "s"}
          </button>
          <button type="button" className="danger" disabled={finished || terminate.isPending} onClick={() => terminate.mutate()}>
            Terminate
          </button>
        </div>
      </div>
      <ErrorNote error={reexecute.error ?? terminate.error} />
      <dl className="facts inline">
        <dt>Location</dt>
        <dd>{data.location.name}</dd>
        <dt>Created</dt>
        <dd>{clockTime(data.createdAt)}</dd>
        <dt>Duration</dt>
        <dd>{duration(data.durationMs ?? (data.startedAt ? now - Date.parse(data.startedAt) : null))}</dd>
        {data.partitionKey && (
          <>
            <dt>Partition</dt>
            <dd>{data.partitionKey}</dd>
          </>
        )}
        {data.parentRunId && (
          <>
            <dt>Re-execution of</dt>
            <dd>
              <Link href={`/runs/${data.parentRunId}`}>{data.parentRunId.slice(0, 8)}</Link> ({data.reexecutionStrategy?.toLowerCase()})
            </dd>
          </>
        )}
        {data.childRuns.length > 0 && (
          <>
            <dt>Re-executed as</dt>
            <dd>
              {data.childRuns.map((child) => (
                <Link key={child.id} href={`/runs/${child.id}`} className="child-run">
                  {child.id.slice(0, 8)} <StatusBadge status={child.status} />
                </Link>
              ))}
            </dd>
          </>
        )}
        <dt>Assets</dt>
        <dd>
          {data.assetKeys.map((key) => (
            <Link key={key} href={assetHref(key)} className="chip">
              {key}
            </Link>
          ))}
        </dd>
      </dl>
      {data.failureReason && <p className="error-note">{data.failureReason}</p>}
      <section className="panel">
        <h2>Steps</h2>
        <GanttChart run={data} attempts={attempts} now={now} selected={selected} onToggle={toggle} />
      </section>
      <section className="panel">
        <h2>Log</h2>
        {data.eventsPurgedAt && (
          <p className="warning">
            Events purged by retention {clockTime(data.eventsPurgedAt)}: the log, step starts, retries and the run's end are gone; steps,
            materializations and check results remain.
          </p>
        )}
        <RunLog events={events} version={version} />
      </section>
    </div>
  );
}
