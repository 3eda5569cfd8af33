import type { RunEvent } from "@strata/sdk";
import { useVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useMemo, useRef, useState } from "react";

const ROW = 26;

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
  // biome-ignore lint/correctness/useExhaustiveDependencies: `events` is appended in place; `version` says when.
  const { rows, steps, levels } = useMemo(() => {
    const steps = new Set<string>();
    const levels = new Set<string>();
    for (const e of events) {
      if (e.stepKey) steps.add(e.stepKey);
      levels.add(e.level);
    }
    const rows = events.filter((e) => (!step || e.stepKey === step) && (!level || e.level === level));
    return { rows, steps: [...steps].sort(), levels: [...levels].sort() };
  }, [events, version, step, level]);

  const scroller = useRef<HTMLDivElement>(null);
  const follow = useRef(true);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW,
    overscan: 10,
  });
  useEffect(() => {
    if (follow.current && rows.length > 0) virtualizer.scrollToIndex(rows.length - 1, { align: "end" });
  }, [rows.length, virtualizer]);
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
          follow.current = el.scrollHeight - el.scrollTop - el.clientHeight < ROW * 2;
        }}
      >
        <div style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
          {virtualizer.getVirtualItems().map((item) => {
            const e = rows[item.index]!;
            return (
              <div
                key={e.seq}
                className={`log-row level-${e.level.toLowerCase()}`}
                data-testid="log-row"
                data-type={e.type}
                style={{ position: "absolute", top: 0, left: 0, right: 0, height: ROW, transform: `translateY(${item.start}px)` }}
              >
                <span className="seq">{e.seq}</span>
                <span className="time">{new Date(e.timestamp).toLocaleTimeString(undefined, { hour12: false })}</span>
                <span className="type">{e.type}</span>
                <span className="step">{e.stepKey ?? ""}</span>
                <span className="message">{describe(e)}</span>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
