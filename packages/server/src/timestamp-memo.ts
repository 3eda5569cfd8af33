/**
 * A run's events come in runs that share their millisecond (a wide step emits ~50 a
 * millisecond), and ingest makes each timestamp a Date, then ISO text, more than once: a Date
 * and a toISOString per event and per materialization cost ~15-20 ms of a 20,000-event run's
 * reports. These remember the last one of each, so consecutive events share them. Dates handed
 * out here are never changed (no setter is called on an event's timestamp), so sharing one is safe.
 */
let lastMs = Number.NaN;
let lastDate = new Date(Number.NaN);
let isoDate: Date | null = null;
let isoText = "";

/** `new Date(ms)`, the same Date as the previous call's when `ms` is the same. */
export function dateOf(ms: number): Date {
  if (ms !== lastMs) {
    lastMs = ms;
    lastDate = new Date(ms);
  }
  return lastDate;
}

/** `date.toISOString()`, remembered for the same Date as the previous call's. */
export function isoOf(date: Date): string {
  if (date !== isoDate) {
    isoText = date.toISOString();
    isoDate = date;
  }
  return isoText;
}
