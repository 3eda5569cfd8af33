import type { RunDetail } from "@strata/sdk";
import { memo, useMemo } from "react";
import { duration } from "../format/time.js";
import type { StepAttempt } from "./step-attempts.js";

const ROW = 24;
const LABEL = 240;
const WIDTH = 1000;
const PLOT = WIDTH - LABEL - 8;
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
 *
 * Built for runs of thousands of steps whose log grows while the page is open: bars sit in
 * milliseconds since the run's start inside one scaled group, so a longer time axis changes one
 * transform, and each row and bar is memoized, so an event re-renders only the bar it changed.
 */
export function GanttChart({
  run,
  attempts,
  now,
  selected,
  onToggle,
}: {
  run: RunDetail;
  attempts: readonly StepAttempt[];
  now: number;
  /** Steps chosen to re-execute (a click on a step's row toggles it). */
  selected: ReadonlySet<string>;
  onToggle: (stepKey: string) => void;
}) {
  // Steps in the order they started, then those still waiting: the chart reads as a waterfall.
  // Recomputed only when a step starts (a new attempt), not on every event.
  // biome-ignore lint/correctness/useExhaustiveDependencies: the order changes only when attempts are added.
  const stepKeys = useMemo(() => {
    const byStart = [...attempts].sort((a, b) => a.start - b.start).map((a) => a.stepKey);
    return [...new Set([...byStart, ...run.stepKeys])];
  }, [attempts.length, run.stepKeys]);
  const rowOf = useMemo(() => new Map(stepKeys.map((key, row) => [key, row])), [stepKeys]);
  let first = Number.POSITIVE_INFINITY;
  for (const a of attempts) first = Math.min(first, a.start);
  const origin = run.startedAt ? Date.parse(run.startedAt) : Number.isFinite(first) ? first : now;
  const finish = run.endedAt ? Date.parse(run.endedAt) : now;
  let last = finish;
  for (const a of attempts) last = Math.max(last, a.end ?? finish);
  const span = Math.max(1, last - origin);
  const height = stepKeys.length * ROW + 20;
  return (
    <svg className="gantt" viewBox={`0 0 ${WIDTH} ${height}`} width="100%" data-testid="gantt" role="img" aria-label="steps over time">
      <GanttRows stepKeys={stepKeys} selected={selected} onToggle={onToggle} />
      <g transform={`translate(${LABEL} 0) scale(${PLOT / span} 1)`}>
        {attempts.map((a) => (
          <GanttBar
            key={`${a.stepKey}:${a.attempt}:${a.start}`}
            attempt={a}
            row={rowOf.get(a.stepKey) ?? 0}
            offset={a.start - origin}
            length={(a.end ?? finish) - a.start}
          />
        ))}
      </g>
      <text x={LABEL} y={height - 4} className="gantt-axis">
        0
      </text>
      <text x={WIDTH - 8} y={height - 4} textAnchor="end" className="gantt-axis">
        {duration(span)}
      </text>
    </svg>
  );
}

const GanttRows = memo(function GanttRows({
  stepKeys,
  selected,
  onToggle,
}: {
  stepKeys: readonly string[];
  selected: ReadonlySet<string>;
  onToggle: (stepKey: string) => void;
}) {
  return (
    <>
      {stepKeys.map((stepKey, row) => (
        // biome-ignore lint/a11y/useSemanticElements: an SVG row cannot hold an <input>; role and aria-checked say what it is.
        <g
          key={stepKey}
          transform={`translate(0 ${row * ROW})`}
          className={selected.has(stepKey) ? "gantt-step selected" : "gantt-step"}
          data-testid="gantt-step"
          data-step={stepKey}
          role="checkbox"
          aria-checked={selected.has(stepKey)}
          aria-label={`Select step ${stepKey}`}
          tabIndex={0}
          onClick={() => onToggle(stepKey)}
          onKeyDown={(event) => {
            if (event.key === " " || event.key === "Enter") {
              event.preventDefault();
              onToggle(stepKey);
            }
          }}
        >
          <rect x={0} y={0} width={WIDTH} height={ROW} className={row % 2 ? "gantt-row odd" : "gantt-row"} />
          <text x={6} y={ROW / 2 + 4} className="gantt-label">
            {selected.has(stepKey) ? "☑ " : ""}
            {stepKey.length > 32 ? `${stepKey.slice(0, 31)}…` : stepKey}
          </text>
        </g>
      ))}
    </>
  );
});

/** One attempt, in milliseconds from the run's start; a 3-pixel stroke keeps an instant one visible. */
const GanttBar = memo(function GanttBar({
  attempt,
  row,
  offset,
  length,
}: {
  attempt: StepAttempt;
  row: number;
  offset: number;
  length: number;
}) {
  const colour = COLOURS[attempt.status] ?? "var(--idle-strong)";
  return (
    <rect
      data-testid="gantt-bar"
      data-step={attempt.stepKey}
      data-status={attempt.status}
      x={offset}
      y={row * ROW + 4}
      width={Math.max(0, length)}
      height={ROW - 8}
      fill={colour}
      stroke={colour}
      strokeWidth={3}
      vectorEffect="non-scaling-stroke"
    >
      <title>
        {attempt.stepKey} attempt {attempt.attempt}: {attempt.status.toLowerCase()} ({duration(length)})
      </title>
    </rect>
  );
});
