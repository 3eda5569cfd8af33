import { describe, expect, it } from "vitest";
import { dateOf, isoOf } from "./timestamp-memo.js";

describe("timestamp memo", () => {
  it("shares a Date between calls with the same millisecond, and makes a new one for another", () => {
    const first = dateOf(1_765_000_000_123);
    expect(dateOf(1_765_000_000_123)).toBe(first);
    const next = dateOf(1_765_000_000_124);
    expect(next).not.toBe(first);
    expect(next.getTime()).toBe(1_765_000_000_124);
    expect(first.getTime()).toBe(1_765_000_000_123);
  });

  it("gives each Date its own ISO text, whatever order they come in", () => {
    const a = new Date(Date.UTC(2026, 11, 8, 1, 2, 3, 4));
    const b = new Date(Date.UTC(2025, 0, 1));
    const sameTimeOtherDate = new Date(a.getTime());
    expect([a, a, b, a, sameTimeOtherDate, b].map(isoOf)).toEqual([
      "2026-12-08T01:02:03.004Z",
      "2026-12-08T01:02:03.004Z",
      "2025-01-01T00:00:00.000Z",
      "2026-12-08T01:02:03.004Z",
      "2026-12-08T01:02:03.004Z",
      "2025-01-01T00:00:00.000Z",
    ]);
  });

  it("fails as toISOString does for a date out of range", () => {
    expect(() => isoOf(dateOf(8.64e15 + 1))).toThrow(RangeError);
  });
});
