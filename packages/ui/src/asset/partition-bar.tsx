import type { PartitionStatusReport } from "@strata/sdk";

const COLOURS: Record<string, string> = {
  MATERIALIZED: "var(--ok)",
  FAILED: "var(--bad)",
  IN_PROGRESS: "var(--busy)",
  MISSING: "var(--idle)",
};

/**
 * The partitions' status bar, drawn from the server's ranges (a handful of rows for any number
 * of partitions): each range is one rectangle, its width proportional to its partition count.
 */
export function PartitionBar({ report }: { report: PartitionStatusReport }) {
  const status = report.status!;
  const total = Math.max(1, status.counts.total);
  const width = 1000;
  return (
    <section className="panel" data-testid="partition-bar">
      <h2>Partitions</h2>
      <p className="muted">
        {status.counts.total.toLocaleString()} partitions: {status.counts.materialized.toLocaleString()} materialized,{" "}
        {status.counts.failed.toLocaleString()} failed, {status.counts.inProgress.toLocaleString()} in progress,{" "}
        {status.counts.missing.toLocaleString()} missing
      </p>
      <svg viewBox={`0 0 ${width} 24`} preserveAspectRatio="none" className="partition-bar" role="img" aria-label="partition status">
        {status.ranges.map((range) => (
          <rect
            key={range.startIndex}
            x={(range.startIndex / total) * width}
            width={Math.max(0.5, (range.count / total) * width)}
            y={0}
            height={24}
            fill={COLOURS[range.status] ?? "var(--idle)"}
          >
            <title>
              {range.startKey === range.endKey ? range.startKey : `${range.startKey} … ${range.endKey}`}: {range.status.toLowerCase()} (
              {range.count})
            </title>
          </rect>
        ))}
      </svg>
    </section>
  );
}
