import type { DimensionPartitions, MultiPartitions, TimeWindowPartitions } from "../partitions/definition.js";

/**
 * Daily windows from 2024-01-01 in UTC, without an end: the definition tests start from,
 * with what they vary.
 *
 * @example
 * const hourly = timeWindow({ cron: "0 * * * *", format: "yyyy-MM-dd-HH:mm" });
 */
export function timeWindow(overrides: Partial<TimeWindowPartitions> = {}): TimeWindowPartitions {
  return {
    kind: "time_window",
    cron: "0 0 * * *",
    start: "2024-01-01",
    end: null,
    timezone: "UTC",
    format: "yyyy-MM-dd",
    endOffset: 0,
    ...overrides,
  };
}

/**
 * Multi partitions of these dimensions, in key order.
 *
 * @example
 * const byDayAndRegion = multi({ date: timeWindow(), region: { kind: "static", keys: ["eu", "us"] } });
 */
export function multi(dimensions: Record<string, DimensionPartitions>): MultiPartitions {
  return { kind: "multi", dimensions: Object.entries(dimensions).map(([name, partitions]) => ({ name, partitions })) };
}
