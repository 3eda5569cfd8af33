/**
 * The ticks of a cron in a time zone, numbered from the first tick at or after a start (tick 0),
 * in O(1) for the schedules nearly everyone uses: fixed minute steps with `*` hours (hourly,
 * every 15 minutes) are arithmetic in UTC while the zone's offset modulo the step is constant
 * (true of whole-hour zones and Asia/Kolkata alike, checked over the range in use, not
 * assumed); daily, weekly and monthly crons are calendar arithmetic on local dates resolved to
 * instants. Other crons iterate with croner and keep their ticks.
 *
 * DST as Dagster's cron iterator (`dagster/_utils/schedules.py`) has it: a tick whose wall time
 * does not exist moves to the end of the gap; one whose wall time occurs twice fires once, at the
 * second occurrence — except for crons that fire every hour, which fire at both. Unlike
 * Dagster's hourly arithmetic (which puts minute 0 of Asia/Kolkata at :30 local, its #33448),
 * minutes here are local minutes in every zone.
 */
import { Cron } from "croner";
import { DAY_MS, instantToWall, isSecondOccurrence, MINUTE_MS, offsetMinutes, wallToInstant } from "./time-zone.js";

/** Tick `k` of a schedule (k < 0: ticks before the first), and back. Times in ms. */
export interface Ticks {
  at(k: number): number;
  /** The largest k with `at(k) <= t`. */
  floor(t: number): number;
}

interface Engine extends Ticks {
  /** False when the fast path cannot vouch for ticks up to `until` (the cache then iterates). */
  covers(until: number): boolean;
}

const CACHE_SIZE = 64;
const cache = new Map<string, Engine>();

/** The ticks of `cron` in `timeZone` from `startInstant`, valid at least up to `until`. */
export function scheduleTicks(cron: string, timeZone: string, startInstant: number, until: number): Ticks {
  const id = `${cron}\u0000${timeZone}\u0000${startInstant}`;
  let engine = cache.get(id);
  if (engine && !engine.covers(until)) engine = undefined;
  if (!engine) {
    engine = fastEngine(cron, timeZone, startInstant, until) ?? new IteratingEngine(cron, timeZone, startInstant);
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
  }
  cache.delete(id);
  cache.set(id, engine);
  return engine;
}

/** True when the cron fires every hour (its hour field is `*`): Dagster's `cron_string_repeats_every_hour`. */
export function repeatsEveryHour(cron: string): boolean {
  return cron.trim().split(/\s+/)[1] === "*";
}

function fastEngine(cron: string, timeZone: string, startInstant: number, until: number): Engine | null {
  const [minute, hour, dom, month, dow] = cron.trim().split(/\s+/) as [string, string, string, string, string];
  const m = single(minute, 0, 59);
  if (hour === "*" && dom === "*" && month === "*" && dow === "*") {
    const step = minuteStep(minute);
    return step ? FixedStepEngine.create(timeZone, startInstant, until, step.step, step.phase) : null;
  }
  const h = single(hour, 0, 23);
  if (m === null || h === null || month !== "*") return null;
  const timeOfDay = (h * 60 + m) * MINUTE_MS;
  if (dom === "*" && dow === "*") return new CalendarEngine(timeZone, startInstant, daily(timeOfDay));
  const weekday = single(dow, 0, 7);
  if (dom === "*" && weekday !== null) return new CalendarEngine(timeZone, startInstant, weekly(timeOfDay, weekday % 7));
  // Days 29-31 are skipped in short months, which calendar arithmetic would not do.
  const day = single(dom, 1, 28);
  if (dow === "*" && day !== null) return new CalendarEngine(timeZone, startInstant, monthly(timeOfDay, day));
  return null;
}

function single(field: string, min: number, max: number): number | null {
  if (!/^\d{1,2}$/.test(field)) return null;
  const n = Number(field);
  return n >= min && n <= max ? n : null;
}

/** `M`, `*`, `*\/N` or an evenly spaced list covering the hour, as a step in minutes and a phase. */
function minuteStep(field: string): { step: number; phase: number } | null {
  if (field === "*") return { step: 1, phase: 0 };
  const every = /^\*\/(\d{1,2})$/.exec(field);
  if (every) {
    const step = Number(every[1]);
    return step > 0 && 60 % step === 0 ? { step, phase: 0 } : null;
  }
  const minutes = field.split(",").map((part) => single(part, 0, 59));
  if (minutes.some((n) => n === null)) return null;
  const sorted = [...new Set(minutes as number[])].sort((a, b) => a - b);
  const step = 60 / sorted.length;
  if (!Number.isInteger(step) || sorted.some((n, i) => n !== sorted[0]! + i * step)) return null;
  return { step, phase: sorted[0]! % step };
}

/** Ticks every `step` minutes at local minutes ≡ phase: while the offset mod step is constant, a UTC progression. */
class FixedStepEngine implements Engine {
  private constructor(
    private readonly timeZone: string,
    private readonly stepMs: number,
    private readonly first: number,
    private readonly residue: number,
    private verifiedUntil: number,
  ) {}

  static create(timeZone: string, startInstant: number, until: number, step: number, phase: number): FixedStepEngine | null {
    const residue = offsetResidue(timeZone, startInstant, step);
    if (residue === null) return null;
    const utcPhase = (((phase - residue) % step) + step) % step;
    const m0 = Math.ceil(startInstant / MINUTE_MS);
    const first = (m0 + ((((utcPhase - m0) % step) + step) % step)) * MINUTE_MS;
    const engine = new FixedStepEngine(timeZone, step * MINUTE_MS, first, residue, startInstant);
    return engine.covers(until) ? engine : null;
  }

  covers(until: number): boolean {
    // Zones change their offset by whole steps (an hour) nearly always; a zone that moves by
    // less (Australia/Lord_Howe's 30-minute DST, Nepal's +5:30 → +5:45) is caught by sampling
    // weekly, far shorter than any offset period.
    const step = this.stepMs / MINUTE_MS;
    for (let t = this.verifiedUntil; t < until + 7 * DAY_MS; t += 7 * DAY_MS) {
      if (offsetResidue(this.timeZone, t, step) !== this.residue) return false;
    }
    this.verifiedUntil = Math.max(this.verifiedUntil, until);
    return true;
  }

  at(k: number): number {
    return this.first + k * this.stepMs;
  }

  floor(t: number): number {
    return Math.floor((t - this.first) / this.stepMs);
  }
}

function offsetResidue(timeZone: string, instant: number, step: number): number | null {
  const offset = offsetMinutes(timeZone, instant);
  return Number.isInteger(offset) ? ((offset % step) + step) % step : null;
}

/** Numbered calendar units (days, weeks, months) and the wall time of each one's tick. */
interface Calendar {
  wallOf(unit: number): number;
  /** A unit whose tick is near `wall` (within one unit). */
  unitNear(wall: number): number;
}

const daily = (timeOfDay: number): Calendar => ({
  wallOf: (day) => day * DAY_MS + timeOfDay,
  unitNear: (wall) => Math.floor((wall - timeOfDay) / DAY_MS),
});

// 1970-01-01 was a Thursday (weekday 4): week w's tick falls on day `anchor + 7w`.
const weekly = (timeOfDay: number, weekday: number): Calendar => {
  const anchor = (weekday - 4 + 7) % 7;
  return {
    wallOf: (week) => (anchor + 7 * week) * DAY_MS + timeOfDay,
    unitNear: (wall) => Math.floor((wall - timeOfDay - anchor * DAY_MS) / (7 * DAY_MS)),
  };
};

const monthly = (timeOfDay: number, day: number): Calendar => ({
  wallOf: (month) => Date.UTC(Math.floor(month / 12), ((month % 12) + 12) % 12, day) + timeOfDay,
  unitNear: (wall) => {
    const date = new Date(wall);
    return date.getUTCFullYear() * 12 + date.getUTCMonth();
  },
});

class CalendarEngine implements Engine {
  private readonly firstUnit: number;

  constructor(
    private readonly timeZone: string,
    startInstant: number,
    private readonly calendar: Calendar,
  ) {
    let unit = calendar.unitNear(instantToWall(timeZone, startInstant)) - 1;
    while (this.instantOf(unit) < startInstant) unit++;
    this.firstUnit = unit;
  }

  covers(): boolean {
    return true;
  }

  private instantOf(unit: number): number {
    return wallToInstant(this.timeZone, this.calendar.wallOf(unit), true);
  }

  at(k: number): number {
    return this.instantOf(this.firstUnit + k);
  }

  floor(t: number): number {
    let unit = this.calendar.unitNear(instantToWall(this.timeZone, t));
    while (this.instantOf(unit) > t) unit--;
    while (this.instantOf(unit + 1) <= t) unit++;
    return unit - this.firstUnit;
  }
}

/** Any other cron: croner's iteration, each tick computed once and kept. */
class IteratingEngine implements Engine {
  private readonly cron: Cron;
  private readonly forward: number[] = [];
  /** Ticks before the first, nearest first: backward[0] is tick -1. */
  private readonly backward: number[] = [];

  private readonly secondOccurrence: boolean;

  constructor(
    pattern: string,
    private readonly timeZone: string,
    startInstant: number,
  ) {
    this.cron = new Cron(pattern, { timezone: timeZone });
    this.secondOccurrence = !repeatsEveryHour(pattern);
    this.forward.push(this.next(startInstant - 1));
  }

  /** croner's next tick after `after`, moved to the second occurrence of an ambiguous wall time as Dagster does. */
  private next(after: number): number {
    const tick = Number.isFinite(after) ? this.cron.nextRun(new Date(after)) : null;
    if (!tick) return Number.POSITIVE_INFINITY;
    const t = tick.getTime();
    if (!this.secondOccurrence || isSecondOccurrence(this.timeZone, t)) return t;
    return wallToInstant(this.timeZone, instantToWall(this.timeZone, t), true);
  }

  covers(): boolean {
    return true;
  }

  at(k: number): number {
    if (k >= 0) {
      while (this.forward.length <= k) this.forward.push(this.next(this.forward[this.forward.length - 1]!));
      return this.forward[k]!;
    }
    while (this.backward.length < -k) {
      const from = this.backward.length ? this.backward[this.backward.length - 1]! : this.forward[0]!;
      this.backward.push(this.previous(from));
    }
    return this.backward[-k - 1]!;
  }

  /** The tick before `from`, adjusted as `next` adjusts. */
  private previous(from: number): number {
    let reference = from;
    // croner's raw previous tick may be the first occurrence of `from`'s own wall time.
    for (let attempt = 0; attempt < 3 && Number.isFinite(reference); attempt++) {
      const raw = this.cron.previousRuns(1, new Date(reference))[0];
      if (!raw) break;
      const tick = this.next(raw.getTime() - 1);
      if (tick < from) return tick;
      reference = raw.getTime();
    }
    return Number.NEGATIVE_INFINITY;
  }

  floor(t: number): number {
    if (t < this.at(0)) {
      let k = -1;
      while (this.at(k) > t) k--;
      return k;
    }
    while (this.forward[this.forward.length - 1]! <= t) this.at(this.forward.length);
    let lo = 0;
    let hi = this.forward.length - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (this.forward[mid]! <= t) lo = mid;
      else hi = mid;
    }
    return lo;
  }
}
