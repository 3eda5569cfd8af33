import { scheduleTicks } from "../partitions/schedule.js";

/**
 * The instants (ms) at which `cron`, read in `timeZone`, fires in the interval (after, upTo],
 * oldest first, at most `limit` of them (the newest ones when there are more).
 *
 * DST follows Dagster's schedules (its `cron_string_iterator`): a wall time that does not exist
 * (02:30 on a spring-forward night) fires once, when the gap ends (03:00); a wall time that
 * occurs twice (01:30 on a fall-back night) fires once, at its second occurrence, except for
 * crons that fire every hour, which fire at both. croner alone fires the first occurrence of a
 * repeated wall time; `scheduleTicks` corrects it and serves the common crons arithmetically.
 *
 * @example
 * ```ts
 * scheduledInstants("0 9 * * *", "Europe/Berlin", Date.parse("2025-01-01T00:00Z"), Date.parse("2025-01-03T00:00Z"));
 * // [Date.parse("2025-01-01T08:00Z"), Date.parse("2025-01-02T08:00Z")]
 * ```
 */
export function scheduledInstants(cron: string, timeZone: string, after: number, upTo: number, limit = Number.POSITIVE_INFINITY): number[] {
  if (!(upTo > after) || limit <= 0) return [];
  const ticks = scheduleTicks(cron, timeZone, after + 1, upTo);
  const last = ticks.floor(upTo);
  const first = Math.max(0, last - limit + 1);
  const out: number[] = [];
  for (let k = first; k <= last; k++) out.push(ticks.at(k));
  return out;
}

/**
 * The first instant `cron` fires strictly after `after`: a schedule's next tick.
 *
 * @example
 * ```ts
 * nextScheduledInstant("0 0 * * *", "UTC", Date.parse("2025-01-01T12:00Z")); // Date.parse("2025-01-02T00:00Z")
 * ```
 */
export function nextScheduledInstant(cron: string, timeZone: string, after: number): number {
  return scheduleTicks(cron, timeZone, after + 1, after + 1).at(0);
}
