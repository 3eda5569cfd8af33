/**
 * Time-window keys: a window's start formatted in its zone with date-fns tokens, and back.
 * date-fns does the general case; formats made only of numeric fields (yyyy MM dd HH mm ss)
 * and literals — every default and nearly every real format — take a compiled path, because
 * date-fns costs ~20 µs to format and ~100 µs to parse a key, and a status query over 100,000
 * hourly partitions cannot pay that per key. A test holds the two paths to the same output.
 */
import { TZDate } from "@date-fns/tz";
// One module per function: the package's index imports all ~300 of date-fns's, ~0.2 s of a start.
import { format as formatDate } from "date-fns/format";
import { isValid } from "date-fns/isValid";
import { parse as parseDate } from "date-fns/parse";
import { instantToWall, MINUTE_MS, wallToInstant } from "./time-zone.js";

type Field = "yyyy" | "MM" | "dd" | "HH" | "mm" | "ss";
type Part = { field: Field } | { literal: string };

/** A key format, compiled once per definition. */
export interface KeyFormat {
  readonly pattern: string;
  /** True when the pattern itself carries the UTC offset (no DST suffix needed). */
  readonly hasOffset: boolean;
  format(instant: number, timeZone: string, withOffset: boolean): string;
  /** The instant a key names, or `null` when `key` does not match the pattern. */
  parse(key: string, timeZone: string): number | null;
}

const OFFSET_SUFFIX = /([+-])(\d{2}):(\d{2})$/;

export function compileKeyFormat(pattern: string): KeyFormat {
  const parts = compileFast(pattern);
  const hasOffset = /[xXOz]/.test(pattern.replace(/'[^']*'/g, ""));
  const formatPlain = parts
    ? (instant: number, timeZone: string) => formatFields(parts, new Date(instantToWall(timeZone, instant)))
    : (instant: number, timeZone: string) => formatDate(new TZDate(instant, timeZone), pattern);
  const parseWall = parts ? (key: string) => parseFields(parts, key) : (key: string) => parseSlow(pattern, key);
  return {
    pattern,
    hasOffset,
    format(instant, timeZone, withOffset) {
      const text = formatPlain(instant, timeZone);
      return withOffset && !hasOffset ? text + formatDate(new TZDate(instant, timeZone), "xxx") : text;
    },
    parse(key, timeZone) {
      if (hasOffset) {
        const parsed = parseDate(key, pattern, new TZDate(0, "UTC"));
        return isValid(parsed) ? parsed.getTime() : null;
      }
      const wall = parseWall(key);
      if (wall !== null) return wallToInstant(timeZone, wall);
      // The second occurrence of an ambiguous hour carries its offset: "2024-11-03-01:00-05:00".
      const suffix = OFFSET_SUFFIX.exec(key);
      if (!suffix) return null;
      const local = parseWall(key.slice(0, -6));
      if (local === null) return null;
      const offset = (suffix[1] === "-" ? -1 : 1) * (Number(suffix[2]) * 60 + Number(suffix[3]));
      return local - offset * MINUTE_MS;
    },
  };
}

function compileFast(pattern: string): Part[] | null {
  const parts: Part[] = [];
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === "'") {
      const close = pattern.indexOf("'", i + 1);
      if (close < 0) return null;
      // "''" is a literal quote in date-fns, as in Unicode patterns.
      parts.push({ literal: close === i + 1 ? "'" : pattern.slice(i + 1, close) });
      i = close + 1;
    } else if (/[A-Za-z]/.test(c)) {
      let j = i;
      while (pattern[j] === c) j++;
      const token = pattern.slice(i, j);
      if (!["yyyy", "MM", "dd", "HH", "mm", "ss"].includes(token)) return null;
      parts.push({ field: token as Field });
      i = j;
    } else {
      parts.push({ literal: c });
      i++;
    }
  }
  return parts;
}

const pad = (n: number, width: number) => String(n).padStart(width, "0");

function formatFields(parts: Part[], wall: Date): string {
  let out = "";
  for (const part of parts) {
    if ("literal" in part) out += part.literal;
    else if (part.field === "yyyy") out += pad(wall.getUTCFullYear(), 4);
    else if (part.field === "MM") out += pad(wall.getUTCMonth() + 1, 2);
    else if (part.field === "dd") out += pad(wall.getUTCDate(), 2);
    else if (part.field === "HH") out += pad(wall.getUTCHours(), 2);
    else if (part.field === "mm") out += pad(wall.getUTCMinutes(), 2);
    else out += pad(wall.getUTCSeconds(), 2);
  }
  return out;
}

function parseFields(parts: Part[], key: string): number | null {
  const f = { yyyy: 1970, MM: 1, dd: 1, HH: 0, mm: 0, ss: 0 };
  let at = 0;
  for (const part of parts) {
    if ("literal" in part) {
      if (!key.startsWith(part.literal, at)) return null;
      at += part.literal.length;
      continue;
    }
    const width = part.field === "yyyy" ? 4 : 2;
    const digits = key.slice(at, at + width);
    if (digits.length !== width || !/^\d+$/.test(digits)) return null;
    f[part.field] = Number(digits);
    at += width;
  }
  if (at !== key.length) return null;
  const wall = Date.UTC(f.yyyy, f.MM - 1, f.dd, f.HH, f.mm, f.ss);
  const back = new Date(wall);
  const exact = back.getUTCFullYear() === f.yyyy && back.getUTCMonth() === f.MM - 1 && back.getUTCDate() === f.dd;
  return exact && f.HH < 24 && f.mm < 60 && f.ss < 60 ? wall : null;
}

function parseSlow(pattern: string, key: string): number | null {
  // Parsed in UTC, so the result is the wall time whatever the machine's zone.
  const parsed = parseDate(key, pattern, new TZDate(0, "UTC"));
  return isValid(parsed) ? parsed.getTime() : null;
}
