/**
 * Strata's benchmark harness. A workload measures Strata and, in the same process and run, a
 * baseline that does the same work without Strata (a plain loop, a bare yoga server, a raw
 * INSERT). These machines are noisy: absolute times drift between runs, ratios hold.
 */

/** One line of the results table. */
export interface BenchRow {
  /** Workload id and case, e.g. "W3 chain of 1,000 assets". */
  name: string;
  /** What the figure measures, e.g. "per step" or "p95 server-side". */
  metric: string;
  unit: "µs" | "ms" | "s" | "ops/s" | "events/s" | "MB";
  value: number;
  baselineName: string;
  baseline: number;
  /** The goal the issue names, e.g. "≤ 50 µs overhead". Shown, and checked by `met`. */
  goal?: string;
  met?: boolean;
}

export interface Workload {
  id: string;
  title: string;
  run(): Promise<BenchRow[]>;
}

/**
 * The two rows of a latency figure: p50, and p95 checked against `goalMs` (≤), each beside the
 * baseline's same percentile.
 */
export function latencyRows(
  name: string,
  times: readonly number[],
  baselineName: string,
  baseline: readonly number[],
  goalMs: number,
): BenchRow[] {
  return [
    { name, metric: "p50", unit: "ms", value: median(times), baselineName, baseline: median(baseline) },
    p95Row(name, "p95", times, baselineName, baseline, goalMs),
  ];
}

/** One p95 latency row checked against `goalMs` (≤), beside the baseline's p95. */
export function p95Row(
  name: string,
  metric: string,
  times: readonly number[],
  baselineName: string,
  baseline: readonly number[],
  goalMs: number,
): BenchRow {
  const value = percentile(times, 95);
  return {
    name,
    metric,
    unit: "ms",
    value,
    baselineName,
    baseline: percentile(baseline, 95),
    goal: `≤ ${goalMs} ms`,
    met: value <= goalMs,
  };
}

/**
 * Collects the garbage the bench process left (with `--expose-gc`, as `npm run bench` runs): before
 * a sample of a large operation, so that it does not pay for a major collection of what the bench
 * itself allocated (its fixtures, the location side's hashing and deltas in the same process),
 * which a server process would not hold. What the operation allocates is still collected within it.
 */
export function settleHeap(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Time `fn` `iterations` times after `warmup` runs; returns each duration in milliseconds. */
export async function sample(fn: () => unknown, iterations: number, warmup = Math.ceil(iterations / 10)): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  return times;
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

function format(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString("en-US");
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(value >= 1 ? 2 : 3);
}

/** Renders rows as a fixed-width table with the ratio of each figure to its baseline. */
export function renderTable(rows: readonly BenchRow[]): string {
  const header = ["workload", "metric", "strata", "baseline", "ratio", "goal", ""];
  const body = rows.map((row) => [
    row.name,
    row.metric,
    `${format(row.value)} ${row.unit}`,
    `${format(row.baseline)} ${row.unit} (${row.baselineName})`,
    row.baseline === 0 ? "-" : `${(row.value / row.baseline).toFixed(2)}×`,
    row.goal ?? "",
    row.met === undefined ? "" : row.met ? "met" : "MISSED",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n");
}
