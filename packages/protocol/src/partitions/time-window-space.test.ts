import { Cron } from "croner";
import { describe, expect, it } from "vitest";
import { partitionSpace, timeWindowCron, type PartitionSpace } from "../index.js";
import { timeWindow } from "../testing/partitions.js";
import { isSecondOccurrence } from "./time-zone.js";

const tw = timeWindow;
const at = (iso: string) => ({ now: new Date(iso) });
const iso = (d: Date | undefined) => d?.toISOString();

function roundTrips(space: PartitionSpace) {
  const keys = space.keys();
  expect(new Set(keys).size).toBe(keys.length);
  keys.forEach((key, i) => {
    expect(space.indexOf(key)).toBe(i);
  });
}

describe("daily partitions", () => {
  const berlin = tw({ timezone: "Europe/Berlin" });
  const now = at("2024-03-31T22:30:00Z"); // 00:30 on 1 April in Berlin

  it("counts the days that have ended, in the zone (Dagster's semantics)", () => {
    const days = partitionSpace(berlin, now);
    expect(days.count).toBe(91);
    expect(days.keyAt(90)).toBe("2024-03-31");
    expect(iso(days.timeWindow(0)?.start)).toBe("2023-12-31T23:00:00.000Z");
    // The DST day is 23 hours long, and still one partition.
    expect(days.timeWindowOfKey("2024-03-31")).toEqual({ start: new Date("2024-03-30T23:00:00Z"), end: new Date("2024-03-31T22:00:00Z") });
    roundTrips(days);
  });

  it("adds the window in progress with endOffset 1, trims with a negative one", () => {
    const withCurrent = partitionSpace({ ...berlin, endOffset: 1 }, now);
    expect(withCurrent.count).toBe(92);
    expect(withCurrent.keyAt(91)).toBe("2024-04-01");
    expect(partitionSpace({ ...berlin, endOffset: -2 }, now).count).toBe(89);
  });

  it("has no partitions before its first window ends", () => {
    expect(partitionSpace(berlin, at("2023-06-01T00:00:00Z")).count).toBe(0);
    expect(partitionSpace(berlin, at("2024-01-01T22:59:59Z")).count).toBe(0);
    expect(partitionSpace(berlin, at("2024-01-01T23:00:00Z")).count).toBe(1);
  });

  it("is out of range and unknown keys → null, bad indexes → RangeError", () => {
    const days = partitionSpace(berlin, now);
    expect(days.indexOf("2024-04-01")).toBeNull();
    expect(days.indexOf("2023-12-31")).toBeNull();
    expect(days.indexOf("2024-1-1")).toBeNull();
    expect(days.indexOf("nonsense")).toBeNull();
    expect(() => days.keyAt(91)).toThrow(RangeError);
    expect(() => days.keyAt(-1)).toThrow(RangeError);
    // A key outside the range still names a window.
    expect(iso(days.timeWindowOfKey("2030-01-01")?.start)).toBe("2029-12-31T23:00:00.000Z");
    expect(() => days.timeWindowOfKey("nonsense")).toThrow(expect.objectContaining({ code: "unknown_partition" }));
  });

  it("ends before `end` (exclusive) and never passes it, whatever endOffset says", () => {
    const q1 = tw({ end: "2024-04-01", endOffset: 5 });
    expect(partitionSpace(q1, at("2030-01-01T00:00:00Z")).count).toBe(91);
    expect(partitionSpace(q1, at("2024-03-20T12:00:00Z")).count).toBe(79 + 5);
    expect(partitionSpace(q1, at("2024-03-30T12:00:00Z")).count).toBe(91);
    expect(partitionSpace(q1, at("2024-03-31T12:00:00Z")).count).toBe(91);
  });

  it("starts at the first tick at or after start, with hour and minute offsets", () => {
    const sixThirty = partitionSpace(
      tw({ cron: timeWindowCron("daily", { hourOffset: 6, minuteOffset: 30 }), start: "2024-01-01T07:00" }),
      at("2024-01-10T00:00:00Z"),
    );
    expect(iso(sixThirty.timeWindow(0)?.start)).toBe("2024-01-02T06:30:00.000Z");
    expect(sixThirty.keys()).toEqual(["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05", "2024-01-06", "2024-01-07", "2024-01-08"]);
  });

  it("has 91 days in Q1 2024 in America/New_York", () => {
    const days = partitionSpace(tw({ timezone: "America/New_York", end: "2024-04-01" }), at("2025-01-01T00:00:00Z"));
    expect(days.count).toBe(91);
    expect(days.keyAt(69)).toBe("2024-03-10");
    const dstDay = days.timeWindow(69)!;
    expect(dstDay.end.getTime() - dstDay.start.getTime()).toBe(23 * 3600_000);
    roundTrips(days);
  });
});

describe("hourly partitions", () => {
  const ny = tw({ cron: "0 * * * *", timezone: "America/New_York", format: "yyyy-MM-dd-HH:mm", start: "2024-01-01T00:00" });
  const hours = partitionSpace(ny, at("2025-01-01T05:00:00Z")); // midnight in New York
  const onLocalDay = (day: string) => hours.keys().filter((key) => key.startsWith(day));

  it("has 25 distinct keys on the fall-back day, the repeated 01:00 with its offset", () => {
    const keys = onLocalDay("2024-11-03");
    expect(keys).toHaveLength(25);
    expect(new Set(keys).size).toBe(25);
    expect(keys.slice(0, 4)).toEqual(["2024-11-03-00:00", "2024-11-03-01:00", "2024-11-03-01:00-05:00", "2024-11-03-02:00"]);
    expect(iso(hours.timeWindowOfKey("2024-11-03-01:00")?.start)).toBe("2024-11-03T05:00:00.000Z");
    expect(iso(hours.timeWindowOfKey("2024-11-03-01:00-05:00")?.start)).toBe("2024-11-03T06:00:00.000Z");
    // Canonical keys only: the first 01:00 has no suffix.
    expect(hours.indexOf("2024-11-03-01:00-04:00")).toBeNull();
  });

  it("has 23 keys on the spring-forward day, with no 02:00", () => {
    const keys = onLocalDay("2024-03-10");
    expect(keys).toHaveLength(23);
    expect(keys).not.toContain("2024-03-10-02:00");
    expect(keys.slice(0, 3)).toEqual(["2024-03-10-00:00", "2024-03-10-01:00", "2024-03-10-03:00"]);
  });

  it("round-trips every key of the year", () => {
    expect(hours.count).toBe(366 * 24);
    roundTrips(hours);
  });

  it("keeps minute offsets and half-hour zones (Asia/Kolkata) on the local minute", () => {
    const kolkata = partitionSpace(
      tw({ cron: "15 * * * *", timezone: "Asia/Kolkata", format: "yyyy-MM-dd-HH:mm", start: "2024-01-01" }),
      at("2024-01-02T00:00:00Z"),
    );
    expect(kolkata.keyAt(0)).toBe("2024-01-01-00:15");
    expect(iso(kolkata.timeWindow(0)?.start)).toBe("2023-12-31T18:45:00.000Z");
    // 2024-01-02T00:00Z is 05:30 local: the 05:15 window is still open.
    expect(kolkata.keyAt(kolkata.count - 1)).toBe("2024-01-02-04:15");
    expect(kolkata.count).toBe(29);
    roundTrips(kolkata);
  });

  it("keys a UTC definition without offsets", () => {
    const utc = partitionSpace({ ...ny, timezone: "UTC" }, at("2024-11-04T00:00:00Z"));
    expect(utc.keys().filter((k) => k.startsWith("2024-11-03"))).toHaveLength(24);
  });
});

describe("weekly, monthly and custom crons", () => {
  it("weekly from Monday (dayOffset 1), with hour and minute offsets", () => {
    const weeks = partitionSpace(
      tw({
        cron: timeWindowCron("weekly", { dayOffset: 1, hourOffset: 3, minuteOffset: 15 }),
        start: "2024-01-03",
        timezone: "Europe/Berlin",
      }),
      at("2024-02-01T00:00:00Z"),
    );
    expect(weeks.keys()).toEqual(["2024-01-08", "2024-01-15", "2024-01-22"]);
    expect(weeks.timeWindow(0)).toEqual({ start: new Date("2024-01-08T02:15:00Z"), end: new Date("2024-01-15T02:15:00Z") });
    expect(weeks.indexOf("2024-01-09")).toBeNull();
  });

  it("weekly from Sunday by default (dayOffset 0)", () => {
    const weeks = partitionSpace(tw({ cron: timeWindowCron("weekly"), start: "2024-01-01" }), at("2024-02-01T00:00:00Z"));
    expect(weeks.keys()).toEqual(["2024-01-07", "2024-01-14", "2024-01-21"]);
  });

  it("monthly on the first (dayOffset 1) and on the 15th, end exclusive", () => {
    const months = partitionSpace(
      tw({ cron: timeWindowCron("monthly"), start: "2024-01-01", end: "2024-12-01" }),
      at("2026-01-01T00:00:00Z"),
    );
    expect(months.count).toBe(11);
    expect(months.keyAt(1)).toBe("2024-02-01");
    expect(months.timeWindow(1)).toEqual({ start: new Date("2024-02-01T00:00:00Z"), end: new Date("2024-03-01T00:00:00Z") });
    const fifteenth = partitionSpace(
      tw({ cron: timeWindowCron("monthly", { dayOffset: 15, hourOffset: 12 }), start: "2024-01-20", timezone: "America/New_York" }),
      at("2024-06-01T00:00:00Z"),
    );
    expect(fifteenth.keys()).toEqual(["2024-02-15", "2024-03-15", "2024-04-15"]);
    expect(iso(fifteenth.timeWindow(1)?.start)).toBe("2024-03-15T16:00:00.000Z"); // EDT by then
  });

  it("fires once in a repeated hour, at the second occurrence; at the end of a skipped one (Dagster's DST rules)", () => {
    const ny = (cron: string) =>
      partitionSpace(
        tw({ cron, timezone: "America/New_York", format: "yyyy-MM-dd-HH:mm", start: "2024-11-01" }),
        at("2024-11-06T00:00:00Z"),
      );
    // 01:30 happens twice on 2024-11-03: EDT (05:30Z), then EST (06:30Z).
    for (const space of [ny("30 1 * * *"), ny("30 1 * * 0"), ny("30 1 3 * *"), ny("30 1 1-3 * *")]) {
      const window = space.timeWindowOfKey("2024-11-03-01:30");
      expect(iso(window?.start), space.definition.kind === "time_window" ? space.definition.cron : "").toBe("2024-11-03T06:30:00.000Z");
    }
    const spring = partitionSpace(
      tw({ cron: "30 2 * * *", timezone: "America/New_York", format: "yyyy-MM-dd-HH:mm", start: "2024-03-08" }),
      at("2024-03-12T12:00:00Z"),
    );
    expect(spring.keys()).toEqual(["2024-03-08-02:30", "2024-03-09-02:30", "2024-03-10-03:00", "2024-03-11-02:30"]);
  });

  it("evaluates any cron through croner (weekdays at 09:00, every 6 hours, the 31st)", () => {
    const weekdays = partitionSpace(
      tw({ cron: "0 9 * * 1-5", timezone: "Europe/Berlin", format: "yyyy-MM-dd-HH:mm" }),
      at("2024-01-10T00:00:00Z"),
    );
    expect(weekdays.keys()).toEqual([
      "2024-01-01-09:00",
      "2024-01-02-09:00",
      "2024-01-03-09:00",
      "2024-01-04-09:00",
      "2024-01-05-09:00",
      "2024-01-08-09:00",
    ]);
    // Friday's window runs over the weekend to Monday.
    expect(weekdays.timeWindow(4)).toEqual({ start: new Date("2024-01-05T08:00:00Z"), end: new Date("2024-01-08T08:00:00Z") });
    roundTrips(weekdays);
    const lastDays = partitionSpace(tw({ cron: "0 0 31 * *" }), at("2024-12-31T00:00:00Z"));
    expect(lastDays.keys()).toEqual(["2024-01-31", "2024-03-31", "2024-05-31", "2024-07-31", "2024-08-31", "2024-10-31"]);
  });

  it("agrees with croner tick for tick on the fast paths, DST days included", () => {
    const cases = [
      ["0 * * * *", "America/New_York"],
      ["*/15 * * * *", "Asia/Kolkata"],
      ["30 2 * * *", "America/New_York"],
      ["0 1 * * *", "Europe/Berlin"],
      ["30 2 * * 0", "Europe/Berlin"],
      ["0 2 5 * *", "Australia/Sydney"],
      ["0 * * * *", "Australia/Lord_Howe"],
    ] as const;
    for (const [cron, timezone] of cases) {
      const space = partitionSpace(tw({ cron, timezone, start: "2024-01-01", format: "yyyy-MM-dd-HH:mm'x'" }), at("2024-12-31T00:00:00Z"));
      const croner = new Cron(cron, { timezone });
      // Dagster (unlike croner) fires a non-hourly cron at the second occurrence of a repeated wall time.
      const dagster = (d: Date) =>
        cron.split(" ")[1] !== "*" && isSecondOccurrence(timezone, d.getTime() + 3600_000) ? new Date(d.getTime() + 3600_000) : d;
      let tick = dagster(croner.nextRun(new Date(space.timeWindow(0)!.start.getTime() - 1))!);
      const sample = Array.from({ length: Math.min(space.count, 3000) }, (_, i) =>
        Math.floor((i * space.count) / Math.min(space.count, 3000)),
      );
      const expected: number[] = [];
      for (let i = 0; i <= sample[sample.length - 1]!; i++) {
        expected.push(tick.getTime());
        tick = dagster(croner.nextRun(tick)!);
      }
      for (const i of sample) expect(space.timeWindow(i)?.start.getTime(), `${cron} ${timezone} #${i}`).toBe(expected[i]);
    }
  });
});
