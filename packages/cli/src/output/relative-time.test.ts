import { describe, expect, it } from "vitest";
import { relativeTime } from "./relative-time.js";

describe("relativeTime", () => {
  const now = Date.parse("2026-12-02T12:00:00Z");
  const ago = (seconds: number) => new Date(now - seconds * 1_000).toISOString();

  it("says how long ago, in the unit a person scans", () => {
    expect(relativeTime(ago(10), now)).toBe("just now");
    expect(relativeTime(ago(50), now)).toBe("1 min ago");
    expect(relativeTime(ago(5 * 60), now)).toBe("5 min ago");
    expect(relativeTime(ago(3 * 3_600), now)).toBe("3 h ago");
    expect(relativeTime(ago(86_400), now)).toBe("1 day ago");
    expect(relativeTime(ago(2 * 86_400), now)).toBe("2 days ago");
  });

  it("says never for a missing time", () => {
    expect(relativeTime(null, now)).toBe("never");
    expect(relativeTime(undefined, now)).toBe("never");
  });
});
