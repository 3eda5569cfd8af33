import type { RunEvent } from "@strata/sdk";
import { memo, useLayoutEffect, useMemo, useRef, useState } from "react";

const ROW = 26;
/** Rows mounted beyond each edge of the view. */
const OVERSCAN = 10;
/** One formatter for every row: `toLocaleTimeString` builds a new one per call (~0.3 ms each). */
const CLOCK = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });

/** What a log line says: its message, or what its payload means for the events that have none. */
function describe(event: RunEvent): string {
  if (event.message) return event.message;
  switch (event.type) {
    case "STEP_FAILURE":
      return event.payload.error.message;
    case "ASSET_MATERIALIZATION":
      return `materialized ${event.payload.assetKey}${event.payload.partition ? ` [${event.payload.partition}]` : ""}`;
    case "STEP_UP_FOR_RETRY":
      return `retry in ${event.payload.delayMs} ms: ${event.payload.error.message}`;
    case "RUN_FAILURE":
      return event.payload.error?.message ?? `failed steps: ${event.payload.failedSteps.join(", ") || "none"}`;
    default:
      return "";
  }
}

/**
 * The run's log, virtualized (only the rows in view are in the DOM), filtered by step and level
 * in the page. While the view is at the bottom it stays there as events arrive.
 */
export function RunLog({ events, version }: { events: readonly RunEvent[]; version: number }) {
  const [step, setStep] = useState("");
  const [level, setLevel] = useState("");
  // The filters' choices, read incrementally: a long run's log holds 100,000 events and grows.
  const seen = useRef<{ events: readonly RunEvent[]; read: number; steps: Set<string>; levels: Set<string> } | null>(null);
  if (seen.current?.events !== events) seen.current = { events, read: 0, steps: new Set(), levels: new Set() };
  for (const s = seen.current; s.read < events.length; s.read++) {
    const e = events[s.read]!;
    if (e.stepKey) s.steps.add(e.stepKey);
    s.levels.add(e.level);
  }
  // Sorted again only when a new step or level appeared (the sets grow in place; their sizes say when).
  const { steps: stepSet, levels: levelSet } = seen.current;
  const steps = useMemo(() => [...stepSet].sort(), [stepSet, stepSet.size]);
  const levels = useMemo(() => [...levelSet].sort(), [levelSet, levelSet.size]);
  // Unfiltered, the rows are the events themselves (no copy per frame).
  // biome-ignore lint/correctness/useExhaustiveDependencies: `events` is appended in place; `version` says when.
  const rows = useMemo(
    () => (step || level ? events.filter((e) => (!step || e.stepKey === step) && (!level || e.level === level)) : events),
    [events, version, step, level],
  );

  // Every row is ROW high, so the rows in view follow from the scroll position alone: no
  // per-row measurements to rebuild when 100 events arrive at the end of 100,000 (a general
  // virtualizer re-lays out every row when its count changes).
  const scroller = useRef<HTMLDivElement>(null);
  const follow = useRef(true);
  const lastScrollTop = useRef(0);
  const [view, setView] = useState({ top: 0, height: 600 });
  // biome-ignore lint/correctness/useExhaustiveDependencies: appended rows (`rows.length`) are what following reacts to.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    // Following the end: move there before the browser paints the new rows.
    if (follow.current) el.scrollTop = el.scrollHeight;
    if (el.scrollTop !== view.top || el.clientHeight !== view.height) setView({ top: el.scrollTop, height: el.clientHeight });
  }, [rows.length, view]);
  const first = Math.max(0, Math.floor(view.top / ROW) - OVERSCAN);
  const last = Math.min(rows.length, Math.ceil((view.top + view.height) / ROW) + OVERSCAN);
  return (
    <div className="run-log">
      <div className="filter-bar">
        <select aria-label="Filter the log by step" value={step} onChange={(e) => setStep(e.target.value)}>
          <option value="">all steps</option>
          {steps.map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
        <select aria-label="Filter the log by level" value={level} onChange={(e) => setLevel(e.target.value)}>
          <option value="">all levels</option>
          {levels.map((l) => (
            <option key={l}>{l}</option>
          ))}
        </select>
        <span className="muted" data-testid="log-count">
          {rows.length.toLocaleString()} of {events.length.toLocaleString()} events
        </span>
      </div>
      <div
        ref={scroller}
        className="virtual-scroller log"
        data-testid="run-log"
        onScroll={(e) => {
          const el = e.currentTarget;
          // At the bottom: follow. Only scrolling up stops following: rows appended below
          // (the view not yet moved to them) must not, however fast they arrive.
          if (el.scrollHeight - el.scrollTop - el.clientHeight < ROW * 2) follow.current = true;
          else if (el.scrollTop < lastScrollTop.current - 1) follow.current = false;
          lastScrollTop.current = el.scrollTop;
          setView({ top: el.scrollTop, height: el.clientHeight });
        }}
      >
        <div style={{ height: rows.length * ROW, position: "relative" }}>
          {rows.slice(first, last).map((e, i) => (
            <LogRow key={e.seq} event={e} top={(first + i) * ROW} />
          ))}
        </div>
      </div>
    </div>
  );
}

/** One line of the log; rendered again only when it moves (an appended event leaves the others alone). */
const LogRow = memo(function LogRow({ event: e, top }: { event: RunEvent; top: number }) {
  return (
    <div
      className={`log-row level-${e.level.toLowerCase()}`}
      data-testid="log-row"
      data-type={e.type}
      style={{ position: "absolute", top: 0, left: 0, right: 0, height: ROW, transform: `translateY(${top}px)` }}
    >
      <span className="seq">{e.seq}</span>
      <span className="time">{CLOCK.format(new Date(e.timestamp))}</span>
      <span className="type">{e.type}</span>
      <span className="step">{e.stepKey ?? ""}</span>
      <span className="message">{describe(e)}</span>
    </div>
  );
});
