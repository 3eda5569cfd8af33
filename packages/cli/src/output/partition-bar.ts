import type { Style } from "./style.js";

/** A status range as `partitionStatus` answers it. */
export interface BarRange {
  status: "MATERIALIZED" | "FAILED" | "IN_PROGRESS" | "MISSING";
  startIndex: number;
  endIndex: number;
}

const SYMBOL: Record<BarRange["status"], string> = { MATERIALIZED: "█", FAILED: "x", IN_PROGRESS: "▒", MISSING: "·" };

/**
 * Partition status ranges drawn as one line of `width` cells: `█` materialized, `x` failed,
 * `▒` in progress, `·` missing. A cell covering several partitions shows the most urgent of them
 * (failed, then in progress, then missing, then materialized), so a single failure among
 * thousands of partitions stays visible.
 *
 * @example
 * ```ts
 * partitionBar([{ status: "MATERIALIZED", startIndex: 0, endIndex: 5 }, { status: "MISSING", startIndex: 6, endIndex: 9 }], 10, style);
 * // "██████····"
 * ```
 */
export function partitionBar(ranges: readonly BarRange[], width: number, style: Style): string {
  if (ranges.length === 0) return "";
  const first = ranges[0]!.startIndex;
  const total = ranges.at(-1)!.endIndex - first + 1;
  const cells = Math.max(1, Math.min(width, total));
  const urgency: Record<BarRange["status"], number> = { FAILED: 3, IN_PROGRESS: 2, MISSING: 1, MATERIALIZED: 0 };
  const worst: BarRange["status"][] = Array(cells).fill("MATERIALIZED");
  const seen: boolean[] = Array(cells).fill(false);
  for (const range of ranges) {
    const from = Math.floor(((range.startIndex - first) * cells) / total);
    const to = Math.floor(((range.endIndex - first) * cells) / total);
    for (let cell = from; cell <= to; cell++) {
      if (!seen[cell] || urgency[range.status] > urgency[worst[cell]!]) worst[cell] = range.status;
      seen[cell] = true;
    }
  }
  const colour: Record<BarRange["status"], (s: string) => string> = {
    MATERIALIZED: style.green,
    FAILED: style.red,
    IN_PROGRESS: style.cyan,
    MISSING: style.dim,
  };
  return worst.map((status) => colour[status](SYMBOL[status])).join("");
}
