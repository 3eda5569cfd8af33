import type { PartitionStatusReport } from "@strata/sdk";
import { lazy, Suspense, useState } from "react";

// The dialog (its preview query, form and launch) loads on the first "Backfill…" click.
const BackfillDialog = lazy(async () => ({ default: (await import("./backfill-dialog.js")).BackfillDialog }));

const COLOURS: Record<string, string> = {
  MATERIALIZED: "var(--ok)",
  FAILED: "var(--bad)",
  IN_PROGRESS: "var(--busy)",
  MISSING: "var(--idle)",
};

/** Indexes into the report's ranges, first ≤ last. */
interface Selection {
  first: number;
  last: number;
}

/**
 * The partitions' status bar, drawn from the server's ranges (a handful of rows for any number
 * of partitions): each range is one rectangle, its width proportional to its partition count.
 * Clicking a range selects it (shift-click extends the selection), and "Backfill…" opens the
 * launch dialog over the selection, or over every partition when nothing is selected.
 */
export function PartitionBar({ report }: { report: PartitionStatusReport }) {
  const status = report.status!;
  const total = Math.max(1, status.counts.total);
  const width = 1000;
  const [selection, setSelection] = useState<Selection | null>(null);
  const [backfilling, setBackfilling] = useState(false);
  const ranges = status.ranges;
  // The ranges change as partitions materialize: a selection past the end is dropped.
  const selected = selection && selection.last < ranges.length ? selection : null;
  const pick = (index: number, extend: boolean) => {
    if (extend && selected) setSelection({ first: Math.min(selected.first, index), last: Math.max(selected.last, index) });
    else if (selected?.first === index && selected.last === index) setSelection(null);
    else setSelection({ first: index, last: index });
  };
  const from = selected ? ranges[selected.first]! : ranges[0];
  const to = selected ? ranges[selected.last]! : ranges.at(-1);
  return (
    <section className="panel" data-testid="partition-bar">
      <h2>Partitions</h2>
      <p className="muted">
        {status.counts.total.toLocaleString()} partitions: {status.counts.materialized.toLocaleString()} materialized,{" "}
        {status.counts.failed.toLocaleString()} failed, {status.counts.inProgress.toLocaleString()} in progress,{" "}
        {status.counts.missing.toLocaleString()} missing
      </p>
      <svg viewBox={`0 0 ${width} 24`} preserveAspectRatio="none" className="partition-bar" aria-label="partition status">
        {ranges.map((range, index) => {
          const label = `${range.startKey === range.endKey ? range.startKey : `${range.startKey} … ${range.endKey}`}: ${range.status.toLowerCase()} (${range.count})`;
          return (
            // biome-ignore lint/a11y/useSemanticElements: an SVG shape cannot be a <button>; role and keys make it one.
            <rect
              key={range.startIndex}
              role="button"
              tabIndex={0}
              aria-label={label}
              aria-pressed={selected !== null && index >= selected.first && index <= selected.last}
              className="partition-range"
              x={(range.startIndex / total) * width}
              width={Math.max(0.5, (range.count / total) * width)}
              y={0}
              height={24}
              fill={COLOURS[range.status] ?? "var(--idle)"}
              onClick={(event) => pick(index, event.shiftKey)}
              onKeyDown={(event) => {
                if (event.key !== "Enter" && event.key !== " ") return;
                event.preventDefault();
                pick(index, event.shiftKey);
              }}
            >
              <title>{label}</title>
            </rect>
          );
        })}
        {selected && (
          <rect
            className="partition-selection"
            x={(ranges[selected.first]!.startIndex / total) * width}
            width={Math.max(0.5, ((ranges[selected.last]!.endIndex + 1 - ranges[selected.first]!.startIndex) / total) * width)}
            y={1}
            height={22}
          />
        )}
      </svg>
      <div className="partition-actions">
        <span className="muted" data-testid="partition-selection">
          {selected && from && to
            ? `Selected ${from.startKey === to.endKey ? from.startKey : `${from.startKey} … ${to.endKey}`} (${(to.endIndex + 1 - from.startIndex).toLocaleString()} partitions; shift-click to extend)`
            : "Click a range to select it, shift-click to extend."}
        </span>
        {selected && (
          <button type="button" onClick={() => setSelection(null)}>
            Clear selection
          </button>
        )}
        <button type="button" className="primary" disabled={!from || !to} onClick={() => setBackfilling(true)}>
          Backfill…
        </button>
      </div>
      {backfilling && from && to && (
        <Suspense fallback={null}>
          <BackfillDialog assetKey={report.assetKey} from={from.startKey} to={to.endKey} onClose={() => setBackfilling(false)} />
        </Suspense>
      )}
    </section>
  );
}
