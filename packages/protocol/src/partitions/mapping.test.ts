import { describe, expect, it } from "vitest";
import {
  type DimensionPartitionMapping,
  inferPartitionMapping,
  type PartitionMapping,
  type PartitionsDefinition,
  partitionSpace,
  type TimeWindowPartitions,
  upstreamRanges,
} from "../index.js";
import { timeWindow } from "../testing/partitions.js";

const now = new Date("2024-08-01T00:00:00Z");
const daily: TimeWindowPartitions = timeWindow();
const hourly: TimeWindowPartitions = { ...daily, cron: "0 * * * *", format: "yyyy-MM-dd-HH:mm" };
const regions = { kind: "static" as const, keys: ["eu", "us"] };
const dateRegion: PartitionsDefinition = {
  kind: "multi",
  dimensions: [
    { name: "date", partitions: daily },
    { name: "region", partitions: regions },
  ],
};
const timeWindowMapping = (startOffset: number, endOffset = 0, allowNonexistentUpstream = false): DimensionPartitionMapping => ({
  kind: "time_window",
  startOffset,
  endOffset,
  allowNonexistentUpstream,
});

describe("inferPartitionMapping (Dagster's infer_partition_mapping)", () => {
  it("prefers the explicit mapping", () => {
    expect(inferPartitionMapping(daily, daily, { kind: "last" })).toEqual({ kind: "last" });
  });
  it("maps multi ↔ single through the shared dimension", () => {
    expect(inferPartitionMapping(daily, dateRegion)).toEqual({ kind: "multi_to_single", dimension: "date" });
    expect(inferPartitionMapping(dateRegion, regions)).toEqual({ kind: "multi_to_single", dimension: "region" });
  });
  it("maps two time windows by window, other partitioned pairs by key, anything else to all", () => {
    expect(inferPartitionMapping(hourly, daily)).toEqual(timeWindowMapping(0));
    expect(inferPartitionMapping(regions, regions)).toEqual({ kind: "identity" });
    expect(inferPartitionMapping(regions, daily)).toEqual({ kind: "identity" });
    expect(inferPartitionMapping(dateRegion, dateRegion)).toEqual({ kind: "identity" });
    // A multi whose dimensions do not include the other side: identity, as Dagster.
    expect(inferPartitionMapping({ kind: "static", keys: ["x"] }, dateRegion)).toEqual({ kind: "identity" });
    expect(inferPartitionMapping(null, daily)).toEqual({ kind: "all" });
    expect(inferPartitionMapping(daily, null)).toEqual({ kind: "all" });
  });
});

describe("upstreamRanges", () => {
  const days = partitionSpace(daily, { now });
  const july4 = days.indexOf("2024-07-04")!;
  const one = (i: number) => ({ start: i, end: i });
  /** Expects upstreamRanges(...args) to be these ranges, with these upstream keys that do not exist. */
  const expectUpstream = (args: Parameters<typeof upstreamRanges>, ranges: { start: number; end: number }[], nonexistent: string[] = []) =>
    expect(upstreamRanges(...args)).toEqual({ ranges, nonexistent });

  it("time_window with startOffset -1 maps 2024-07-04 to 07-03 and 07-04", () => {
    const { ranges, nonexistent } = upstreamRanges(timeWindowMapping(-1), days, one(july4), days);
    expect(ranges.flatMap((r) => days.keys(r))).toEqual(["2024-07-03", "2024-07-04"]);
    expect(nonexistent).toEqual([]);
  });

  it("time_window maps a day to its 24 hours, and an hour to its day", () => {
    const hours = partitionSpace(hourly, { now });
    const { ranges } = upstreamRanges(timeWindowMapping(0), days, one(july4), hours);
    expect(ranges).toHaveLength(1);
    expect(hours.keys(ranges[0])).toHaveLength(24);
    expect(hours.keyAt(ranges[0]!.start)).toBe("2024-07-04-00:00");
    const noon = hours.indexOf("2024-07-04-12:00")!;
    expect(upstreamRanges(timeWindowMapping(0), hours, one(noon), days).ranges).toEqual([one(july4)]);
  });

  it("maps a 23-hour DST day to its 23 hours", () => {
    const zone = { timezone: "America/New_York" };
    const nyDays = partitionSpace({ ...daily, ...zone }, { now });
    const nyHours = partitionSpace({ ...hourly, ...zone }, { now });
    const springDay = nyDays.indexOf("2024-03-10")!;
    const { ranges } = upstreamRanges(timeWindowMapping(0), nyDays, one(springDay), nyHours);
    expect(nyHours.keys(ranges[0])).toHaveLength(23);
    const fallDay = partitionSpace({ ...daily, ...zone }, { now: new Date("2024-12-01T00:00:00Z") });
    const fallHours = partitionSpace({ ...hourly, ...zone }, { now: new Date("2024-12-01T00:00:00Z") });
    const fall = upstreamRanges(timeWindowMapping(0), fallDay, one(fallDay.indexOf("2024-11-03")!), fallHours);
    expect(fallHours.keys(fall.ranges[0]).slice(0, 3)).toEqual(["2024-11-03-00:00", "2024-11-03-01:00", "2024-11-03-01:00-05:00"]);
    expect(fallHours.keys(fall.ranges[0])).toHaveLength(25);
  });

  it("lists upstream windows that do not exist, or drops them when allowed", () => {
    const later = partitionSpace({ ...daily, start: "2024-01-02" }, { now });
    const jan1 = days.indexOf("2024-01-01")!;
    expectUpstream([timeWindowMapping(-1), days, { start: jan1, end: jan1 + 1 }, later], [one(0)], ["2023-12-31", "2024-01-01"]);
    expectUpstream([timeWindowMapping(-1, 0, true), days, { start: jan1, end: jan1 + 1 }, later], [one(0)]);
    // The last downstream day reads the day after it, which has not ended.
    const last = days.count - 1;
    expectUpstream([timeWindowMapping(0, 1), days, one(last), days], [one(last)], ["2024-08-01"]);
  });

  it("refuses a time_window mapping across time zones", () => {
    const berlin = partitionSpace({ ...daily, timezone: "Europe/Berlin" }, { now });
    expect(() => upstreamRanges(timeWindowMapping(0), days, one(0), berlin)).toThrow(
      expect.objectContaining({ code: "timezone_mismatch" }),
    );
    const regionSpace = partitionSpace(regions, { now });
    expect(() => upstreamRanges(timeWindowMapping(0), days, one(0), regionSpace)).toThrow(
      expect.objectContaining({ code: "incompatible_mapping" }),
    );
  });

  it("identity maps by key between differing spaces", () => {
    const down = partitionSpace({ kind: "static", keys: ["a", "b", "c", "d"] }, { now });
    const up = partitionSpace({ kind: "static", keys: ["d", "c", "a"] }, { now });
    expectUpstream([{ kind: "identity" }, down, { start: 0, end: 3 }, up], [{ start: 0, end: 2 }], ["b"]);
    expectUpstream([{ kind: "identity" }, down, { start: 2, end: 3 }, up], [{ start: 0, end: 1 }]);
  });

  it("identity of time windows with different starts shifts by index", () => {
    const later = partitionSpace({ ...daily, start: "2024-03-01" }, { now });
    expectUpstream([{ kind: "identity" }, later, one(0), days], [one(days.indexOf("2024-03-01")!)]);
    expectUpstream([{ kind: "identity" }, days, { start: 59, end: 61 }, later], [{ start: 0, end: 1 }], ["2024-02-29"]);
    expectUpstream([{ kind: "identity" }, days, { start: 3, end: 9 }, days], [{ start: 3, end: 9 }]);
  });

  it("all, last, specific and static_map", () => {
    const up = partitionSpace({ kind: "static", keys: ["a", "b", "c"] }, { now });
    const down = partitionSpace({ kind: "static", keys: ["x", "y", "z"] }, { now });
    expectUpstream([{ kind: "all" }, down, one(1), up], [{ start: 0, end: 2 }]);
    expectUpstream([{ kind: "last" }, down, one(1), up], [one(2)]);
    expectUpstream([{ kind: "specific", keys: ["c", "a", "q"] }, down, one(1), up], [one(0), one(2)], ["q"]);
    const map: PartitionMapping = { kind: "static_map", map: { a: ["x"], b: ["x", "y"], c: ["z"], q: ["z"] } };
    expectUpstream([map, down, one(0), up], [{ start: 0, end: 1 }]);
    expectUpstream([map, down, one(2), up], [one(2)], ["q"]);
    expect(() => upstreamRanges({ kind: "all" }, down, one(3), up)).toThrow(RangeError);
  });

  it("multi_to_single both ways", () => {
    const multi = partitionSpace(dateRegion, { now });
    // downstream multi "2024-07-04|us" reads upstream day 2024-07-04
    const index = multi.indexOf("2024-07-04|us")!;
    expectUpstream([{ kind: "multi_to_single", dimension: "date" }, multi, one(index), days], [one(july4)]);
    // downstream day 2024-07-04 reads both regions of it
    const fromMulti = upstreamRanges({ kind: "multi_to_single", dimension: null }, days, { start: july4, end: july4 + 1 }, multi);
    expect(fromMulti.ranges.flatMap((r) => multi.keys(r))).toEqual(["2024-07-04|eu", "2024-07-04|us", "2024-07-05|eu", "2024-07-05|us"]);
    // by region: every day of "us"
    const regionSpace = partitionSpace(regions, { now });
    const us = upstreamRanges({ kind: "multi_to_single", dimension: "region" }, regionSpace, one(1), multi);
    expect(us.ranges).toHaveLength(days.count);
    expect(multi.keyAt(us.ranges[0]!.start)).toBe("2024-01-01|us");
  });

  it("multi maps each dimension through its mapping and every key of an unmapped one", () => {
    const up = partitionSpace(dateRegion, { now });
    const down = partitionSpace(
      {
        kind: "multi",
        dimensions: [
          { name: "day", partitions: daily },
          { name: "zone", partitions: regions },
        ],
      },
      { now },
    );
    const mapping: PartitionMapping = {
      kind: "multi",
      dimensions: {
        day: { upstreamDimension: "date", mapping: timeWindowMapping(-1) },
        zone: { upstreamDimension: "region", mapping: { kind: "identity" } },
      },
    };
    const index = down.indexOf("2024-07-04|eu")!;
    expect(upstreamRanges(mapping, down, one(index), up).ranges.flatMap((r) => up.keys(r))).toEqual(["2024-07-03|eu", "2024-07-04|eu"]);
    const dayOnly: PartitionMapping = { kind: "multi", dimensions: { day: { upstreamDimension: "date", mapping: timeWindowMapping(-1) } } };
    const first = down.indexOf("2024-01-01|us")!;
    expectUpstream([dayOnly, down, one(first), up], [{ start: 0, end: 1 }], ["2023-12-31|eu", "2023-12-31|us"]);
  });
});
