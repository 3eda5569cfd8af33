import type { TimeWindowPartitions } from "./definition.js";
import { compileKeyFormat, type KeyFormat } from "./key-format.js";
import { repeatsEveryHour, scheduleTicks, type Ticks } from "./schedule.js";
import { SpaceBase } from "./space-base.js";
import type { TimeWindow } from "./space.js";
import { DAY_MS, isSecondOccurrence, parseWallClock, wallToInstant } from "./time-zone.js";

/**
 * Windows between consecutive cron ticks, Dagster's `TimeWindowPartitionsDefinition`: the first
 * window starts at the first tick at or after `start`; a window exists once it has ended by
 * `now`, plus `endOffset` more (negative: fewer); none ends after `end` (exclusive). Ticks are
 * numbered from the first, so partition index = tick number, and ticks before the start or
 * after the last partition have keys too (mappings name them when they fall outside).
 */
export class TimeWindowSpace extends SpaceBase {
  readonly count: number;
  readonly timeZone: string;
  private readonly ticks: Ticks;
  private readonly keyFormat: KeyFormat;
  /** Hourly-or-faster crons key the repeated hour of a fall-back with its offset, as Dagster does. */
  private readonly disambiguate: boolean;

  constructor(
    readonly definition: TimeWindowPartitions,
    now: number,
  ) {
    super();
    const def = definition;
    this.timeZone = def.timezone;
    const start = wallToInstant(def.timezone, parseWallClock(def.start));
    const end = def.end === null ? null : wallToInstant(def.timezone, parseWallClock(def.end));
    // The fast schedules must hold up to the last window anyone will ask about, with slack for
    // mappings reaching a few windows past it.
    const horizon = Math.max(now, end ?? now) + (Math.max(def.endOffset, 0) + 32) * 31 * DAY_MS;
    this.ticks = scheduleTicks(def.cron, def.timezone, start, horizon);
    this.keyFormat = compileKeyFormat(def.format);
    this.disambiguate = def.timezone !== "UTC" && !this.keyFormat.hasOffset && repeatsEveryHour(def.cron);
    const endedByNow = Math.max(0, this.ticks.floor(now));
    const endedByEnd = end === null ? Number.POSITIVE_INFINITY : Math.max(0, this.ticks.floor(end));
    this.count = Math.max(0, Math.min(endedByNow + Math.max(def.endOffset, 0), endedByEnd) - Math.max(-def.endOffset, 0));
  }

  keyAt(index: number): string {
    this.checkIndex(index);
    return this.keyAtTick(index);
  }

  /** The key of tick `k`, in the space or not. */
  keyAtTick(k: number): string {
    const start = this.ticks.at(k);
    return this.keyFormat.format(start, this.timeZone, this.disambiguate && isSecondOccurrence(this.timeZone, start));
  }

  /**
   * The tick a key names, in the space or not; `null` when it names none. As in Dagster
   * (`time_window_for_partition_key`), a key names the first tick at or after the time it
   * parses to: "2024-01-08" is the window starting 2024-01-08 06:30 of a daily-at-06:30 cron.
   */
  tickOf(key: string): number | null {
    const instant = this.keyFormat.parse(key, this.timeZone);
    if (instant === null) return null;
    let k = this.ticks.floor(instant);
    if (this.ticks.at(k) < instant) k++;
    // Keys are canonical: "2024-11-03-01:00-04:00" parses to a tick but is not its key.
    return this.keyAtTick(k) === key ? k : null;
  }

  indexOf(key: string): number | null {
    const k = this.tickOf(key);
    return k !== null && k >= 0 && k < this.count ? k : null;
  }

  override timeWindow(index: number): TimeWindow {
    this.checkIndex(index);
    return this.windowOfTick(index);
  }

  windowOfTick(k: number): TimeWindow {
    return { start: new Date(this.ticks.at(k)), end: new Date(this.ticks.at(k + 1)) };
  }

  override timeWindowOfKey(key: string): TimeWindow {
    const k = this.tickOf(key);
    if (k === null) throw this.unknown(key);
    return this.windowOfTick(k);
  }

  /** The ticks whose windows overlap [start, end), in the space or not. */
  ticksOverlapping(start: number, end: number): { start: number; end: number } {
    return { start: this.ticks.floor(start), end: this.ticks.floor(end - 1) };
  }
}
