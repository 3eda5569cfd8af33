import type { RunDetail } from "@strata/sdk";
import { duration } from "../format/time.js";
import type { StepAttempt } from "./step-attempts.js";

const ROW = 24;
const LABEL = 240;
const WIDTH = 1000;
const COLOURS: Record<string, string> = {
  SUCCESS: "var(--ok)",
  FAILURE: "var(--bad)",
  CANCELED: "var(--idle-strong)",
  UP_FOR_RETRY: "var(--warn)",
  RUNNING: "var(--busy)",
  SKIPPED: "var(--idle-strong)",
};

/**
 * The run's steps on a time axis: one row per step (by when it first started), one bar per
 * attempt, the bars of a running attempt growing to `now`. Steps that have not started yet keep
 * an empty row, so the chart's shape is stable as the run proceeds.
 */
export function GanttChart({ run, attempts, now }: { run: RunDetail; attempts: readonly StepAttempt[]; now: number }) {
  // Steps in the order they started, then those still waiting: the chart reads as a waterfall.
  const byStart = [...attempts].sort((a, b) => a.start - b.start).map((a) => a.stepKey);
  const stepKeys = [...new Set([...byStart, ...run.stepKeys])];
  const starts = attempts.map((a) => a.start);
  const origin = run.startedAt ? Date.parse(run.startedAt) : starts.length ? Math.min(...starts) : now;
  const finish = run.endedAt ? Date.parse(run.endedAt) : now;
  const ends = attempts.map((a) => a.end ?? finish);
  const span = Math.max(1, Math.max(finish, ...ends) - origin);
  const x = (t: number) => LABEL + ((t - origin) / span) * (WIDTH - LABEL - 8);
  const height = stepKeys.length * ROW + 20;
  return (
    <svg className="gantt" viewBox={`0 0 ${WIDTH} ${height}`} width="100%" data-testid="gantt" role="img" aria-label="steps over time">
      {stepKeys.map((stepKey, row) => (
        <g key={stepKey} transform={`translate(0 ${row * ROW})`}>
          <rect x={0} y={0} width={WIDTH} height={ROW} className={row % 2 ? "gantt-row odd" : "gantt-row"} />
          <text x={6} y={ROW / 2 + 4} className="gantt-label">
            {stepKey.length > 34 ? `${stepKey.slice(0, 33)}…` : stepKey}
          </text>
        </g>
      ))}
      {attempts.map((a) => {
        const row = stepKeys.indexOf(a.stepKey);
        const end = a.end ?? finish;
        return (
          <rect
            key={`${a.stepKey}:${a.attempt}:${a.start}`}
            data-testid="gantt-bar"
            data-step={a.stepKey}
            data-status={a.status}
            x={x(a.start)}
            y={row * ROW + 4}
            width={Math.max(3, x(end) - x(a.start))}
            height={ROW - 8}
            rx={3}
            fill={COLOURS[a.status] ?? "var(--idle-strong)"}
          >
            <title>
              {a.stepKey} attempt {a.attempt}: {a.status.toLowerCase()} ({duration(end - a.start)})
            </title>
          </rect>
        );
      })}
      <text x={LABEL} y={height - 4} className="gantt-axis">
        0
      </text>
      <text x={WIDTH - 8} y={height - 4} textAnchor="end" className="gantt-axis">
        {duration(span)}
      </text>
    </svg>
  );
}
