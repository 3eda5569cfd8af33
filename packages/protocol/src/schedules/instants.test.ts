import { describe, expect, it } from "vitest";
import { manifestSchema } from "../manifest.js";
import { nextScheduledInstant, scheduledInstants } from "./instants.js";
import { assetFixture } from "../testing/manifest.js";

const NY = "America/New_York";
const iso = (instants: number[]) => instants.map((t) => new Date(t).toISOString());
const at = Date.parse;

describe("scheduledInstants", () => {
  // A daily cron goes through the calendar arithmetic; one with a month field through croner.
  for (const [label, cron] of [
    ["daily", "30 2 * * *"],
    ["croner-iterated", "30 2 9 3 *"],
  ] as const) {
    it(`fires a wall time that does not exist (02:30 on 2025-03-09 in New York) once, at 03:00 EDT (${label})`, () => {
      const fired = scheduledInstants(cron, NY, at("2025-03-09T00:00:00Z"), at("2025-03-10T00:00:00Z"));
      expect(iso(fired)).toEqual(["2025-03-09T07:00:00.000Z"]); // 03:00 EDT
    });
  }

  for (const [label, cron] of [
    ["daily", "30 1 * * *"],
    ["croner-iterated", "30 1 2 11 *"],
  ] as const) {
    it(`fires a wall time that occurs twice (01:30 on 2025-11-02) once, at its second occurrence as Dagster does (${label})`, () => {
      const fired = scheduledInstants(cron, NY, at("2025-11-02T00:00:00Z"), at("2025-11-03T00:00:00Z"));
      expect(iso(fired)).toEqual(["2025-11-02T06:30:00.000Z"]); // 01:30 EST
    });
  }

  it("fires an hourly cron at both occurrences of the repeated hour, once an hour", () => {
    const fired = scheduledInstants("30 * * * *", NY, at("2025-11-02T04:00:00Z"), at("2025-11-02T08:00:00Z"));
    expect(iso(fired)).toEqual([
      "2025-11-02T04:30:00.000Z",
      "2025-11-02T05:30:00.000Z",
      "2025-11-02T06:30:00.000Z",
      "2025-11-02T07:30:00.000Z",
    ]);
  });

  it("fires each daily schedule exactly 365 times over 2025, once per local day", () => {
    for (const cron of ["30 2 * * *", "30 1 * * *", "0 0 * * *", "59 23 * * *"]) {
      for (const zone of [NY, "Europe/Berlin", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"]) {
        // A wider interval than the year, so the count is the schedule's and not the interval's edges.
        const localDay = new Intl.DateTimeFormat("en-CA", { timeZone: zone });
        const fired = scheduledInstants(cron, zone, at("2024-12-30T00:00:00Z"), at("2026-01-02T00:00:00Z"))
          .map((t) => localDay.format(t))
          .filter((day) => day.startsWith("2025"));
        expect(fired, `${cron} in ${zone}`).toHaveLength(365);
        expect(new Set(fired).size, `${cron} in ${zone}`).toBe(365);
      }
    }
  });

  it("covers (after, upTo]: an instant equal to after is not repeated, one equal to upTo is included", () => {
    const midnight = at("2025-01-02T00:00:00Z");
    expect(iso(scheduledInstants("0 0 * * *", "UTC", midnight, midnight + 86_400_000))).toEqual(["2025-01-03T00:00:00.000Z"]);
    expect(scheduledInstants("0 0 * * *", "UTC", midnight, midnight)).toEqual([]);
  });

  it("keeps only the newest `limit` instants after a long gap", () => {
    const fired = scheduledInstants("0 * * * *", "UTC", at("2025-01-01T00:00:00Z"), at("2025-01-02T00:00:00Z"), 2);
    expect(iso(fired)).toEqual(["2025-01-01T23:00:00.000Z", "2025-01-02T00:00:00.000Z"]);
  });

  it("gives the next tick strictly after a time", () => {
    expect(new Date(nextScheduledInstant("0 9 * * *", "Europe/Berlin", at("2025-07-01T07:00:00Z"))).toISOString()).toBe(
      "2025-07-02T07:00:00.000Z",
    );
  });
});

describe("manifest schedules", () => {
  const asset = assetFixture("a");
  const schedule = {
    name: "daily",
    cron: "0 0 * * *",
    timezone: "UTC",
    targets: ["a"],
    tags: {},
    description: null,
    defaultStatus: "RUNNING",
  };

  it("reads a manifest without schedules as having none", () => {
    expect(manifestSchema.parse({ manifestVersion: 3, assets: [asset], steps: [] }).schedules ?? []).toEqual([]);
  });

  it("refuses a bad cron, an unknown zone, an unknown target and a duplicated name, each at its path", () => {
    const result = manifestSchema.safeParse({
      manifestVersion: 4,
      assets: [asset],
      steps: [],
      schedules: [
        { ...schedule, cron: "0 0 * *" },
        { ...schedule, timezone: "Mars/Olympus" },
        { ...schedule, name: "other", targets: ["nope"] },
      ],
    });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => `${i.path.join(".")}: ${i.message}`)).toEqual([
      'schedules.0.cron: "0 0 * *" must have five fields (minute hour day-of-month month day-of-week)',
      'schedules.1.name: duplicates the schedule "daily"',
      'schedules.1.timezone: unknown IANA time zone "Mars/Olympus"',
      'schedules.2.targets.0: "nope" is not an asset of this code location',
    ]);
  });
});
