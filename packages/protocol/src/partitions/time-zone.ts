/**
 * Wall clock ↔ instant in an IANA time zone, over `Intl` through @date-fns/tz. Times are
 * milliseconds; a "wall" time is the local date-time written as if it were UTC, so calendar
 * arithmetic on it is plain `Date.UTC` arithmetic.
 */
import { tzOffset } from "@date-fns/tz";

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
/** No zone is further than 14 hours from UTC, so an instant lies within this of its wall time. */
const MAX_OFFSET_MS = 15 * HOUR_MS;

/** True when `timeZone` is a zone name this runtime's `Intl` knows. */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** The zone's UTC offset at `instant`, in minutes (Berlin in winter: 60). */
export function offsetMinutes(timeZone: string, instant: number): number {
  if (timeZone === "UTC") return 0;
  return tzOffset(timeZone, new Date(instant));
}

/** The wall time at `instant`. */
export function instantToWall(timeZone: string, instant: number): number {
  return instant + offsetMinutes(timeZone, instant) * MINUTE_MS;
}

/**
 * The instant of a wall time. An ambiguous wall time (in a fall-back hour) is its first
 * occurrence, or its second with `later` (Dagster's schedules tick at the second: its
 * `_apply_fold`); one that does not exist (a spring-forward gap) is the instant the gap ends, as
 * Dagster's `apply_post_transition` and croner do ("2AM does not exist, move forward" to 3AM).
 */
export function wallToInstant(timeZone: string, wall: number, later = false): number {
  if (timeZone === "UTC") return wall;
  const before = offsetMinutes(timeZone, wall - MAX_OFFSET_MS);
  const after = offsetMinutes(timeZone, wall + MAX_OFFSET_MS);
  const early = wall - before * MINUTE_MS;
  if (before === after) return early;
  const late = wall - after * MINUTE_MS;
  const candidates = [early, late].filter((t, i) => offsetMinutes(timeZone, t) === (i === 0 ? before : after));
  if (candidates.length > 0) return later ? Math.max(...candidates) : Math.min(...candidates);
  return transitionBetween(timeZone, Math.min(early, late), Math.max(early, late), after);
}

/** The first minute in (from, to] whose offset is `offset`: the end of a gap. */
function transitionBetween(timeZone: string, from: number, to: number, offset: number): number {
  let lo = Math.floor(from / MINUTE_MS);
  let hi = Math.ceil(to / MINUTE_MS);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetMinutes(timeZone, mid * MINUTE_MS) === offset) hi = mid;
    else lo = mid;
  }
  return hi * MINUTE_MS;
}

/**
 * True when `instant` is the second occurrence of its wall time (the repeated hour after a
 * fall-back), Dagster's `is_second_ambiguous_time`.
 */
export function isSecondOccurrence(timeZone: string, instant: number): boolean {
  if (timeZone === "UTC") return false;
  const now = offsetMinutes(timeZone, instant);
  const earlier = offsetMinutes(timeZone, instant - MAX_OFFSET_MS);
  if (earlier <= now) return false;
  const first = instant - (earlier - now) * MINUTE_MS;
  return offsetMinutes(timeZone, first) === earlier;
}

/** A wall-clock string of the schema ("2024-01-01", "2024-01-01T06:00[:00]") as a wall time. */
export function parseWallClock(text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(text);
  if (!m) return Number.NaN;
  const [y, mo, d, h, mi, s] = m.slice(1).map((part) => Number(part ?? 0)) as [number, number, number, number, number, number];
  const wall = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(wall);
  // Date.UTC rolls "2024-02-30" over into March; a wall clock that does not exist is invalid.
  return back.getUTCMonth() === mo - 1 && back.getUTCDate() === d && h < 24 && mi < 60 && s < 60 ? wall : Number.NaN;
}
