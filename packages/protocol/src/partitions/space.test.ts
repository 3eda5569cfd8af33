import { describe, expect, it } from "vitest";
import { partitionSpace, type TimeWindowPartitions } from "../index.js";
import { multi, timeWindow } from "../testing/partitions.js";

const now = new Date("2024-01-04T00:00:00Z");
const days: TimeWindowPartitions = timeWindow();
const regions = { kind: "static" as const, keys: ["eu", "us", "apac"] };
const customers = { kind: "dynamic" as const, name: "customers" };
const dynamicKeys = (name: string) => (name === "customers" ? ["acme", "globex"] : []);

describe("static and dynamic partitions", () => {
  it("keeps the static keys in their order", () => {
    const space = partitionSpace(regions, { now });
    expect(space.count).toBe(3);
    expect(space.keys()).toEqual(["eu", "us", "apac"]);
    expect(space.keys({ start: 1, end: 2 })).toEqual(["us", "apac"]);
    expect(space.indexOf("apac")).toBe(2);
    expect(space.indexOf("mars")).toBeNull();
    expect(space.timeWindow(0)).toBeNull();
    expect(space.timeWindowOfKey("eu")).toBeNull();
    expect(space.dimensionsOf("eu")).toBeNull();
    expect(() => space.keyAt(3)).toThrow(RangeError);
  });

  it("reads dynamic keys from the context; a name it does not know has none", () => {
    const space = partitionSpace(customers, { now, dynamicKeys });
    expect(space.keys()).toEqual(["acme", "globex"]);
    expect(space.indexOf("globex")).toBe(1);
    expect(partitionSpace({ kind: "dynamic", name: "suppliers" }, { now, dynamicKeys }).count).toBe(0);
    expect(partitionSpace(customers, { now }).count).toBe(0);
  });

  it("refuses a definition partitionsProblems rejects", () => {
    expect(() => partitionSpace({ kind: "static", keys: ["a", "a"] }, { now })).toThrow(
      expect.objectContaining({ code: "invalid_definition" }),
    );
  });
});

describe("multi partitions", () => {
  const two = multi({ date: days, region: regions });

  it("is the product, row-major with the first dimension slowest", () => {
    const space = partitionSpace(two, { now });
    expect(space.count).toBe(9);
    expect(space.keys({ start: 0, end: 4 })).toEqual([
      "2024-01-01|eu",
      "2024-01-01|us",
      "2024-01-01|apac",
      "2024-01-02|eu",
      "2024-01-02|us",
    ]);
    expect(space.indexOf("2024-01-03|apac")).toBe(8);
    expect(space.indexOf("2024-01-03|mars")).toBeNull();
    expect(space.indexOf("2024-01-03")).toBeNull();
    expect(space.dimensionsOf("2024-01-02|us")).toEqual({ date: "2024-01-02", region: "us" });
    expect(space.timeDimension).toBe("date");
    expect(space.dimensionIndexes(5)).toEqual([1, 2]);
    expect(space.indexOfDimensions([1, 2])).toBe(5);
    expect(space.timeWindow(5)).toEqual({ start: new Date("2024-01-02T00:00:00Z"), end: new Date("2024-01-03T00:00:00Z") });
    expect(space.timeWindowOfKey("2024-01-02|us")).toEqual(space.timeWindow(4));
    expect(space.dimensions.map((d) => [d.name, d.space.count])).toEqual([
      ["date", 3],
      ["region", 3],
    ]);
  });

  it("takes three dimensions (Dagster stops at two), dynamic ones included", () => {
    const three = multi({ customer: customers, date: days, region: regions });
    const space = partitionSpace(three, { now, dynamicKeys });
    expect(space.count).toBe(2 * 3 * 3);
    const keys = space.keys();
    expect(new Set(keys).size).toBe(18);
    keys.forEach((key, i) => {
      expect(space.indexOf(key)).toBe(i);
      expect(space.indexOfDimensions(space.dimensionIndexes(i))).toBe(i);
    });
    expect(keys[10]).toBe("globex|2024-01-01|us");
    expect(space.dimensionsOf("globex|2024-01-01|us")).toEqual({ customer: "globex", date: "2024-01-01", region: "us" });
    expect(space.timeWindow(10)?.start).toEqual(new Date("2024-01-01T00:00:00Z"));
    expect(partitionSpace(three, { now }).count).toBe(0);
  });

  it("has no time window without a time dimension", () => {
    const space = partitionSpace(multi({ customer: customers, region: regions }), { now, dynamicKeys });
    expect(space.timeDimension).toBeNull();
    expect(space.timeWindow(0)).toBeNull();
    expect(space.timeWindowOfKey("acme|eu")).toBeNull();
    expect(() => space.dimensionsOf("acme")).toThrow(expect.objectContaining({ code: "unknown_partition" }));
  });
});

describe("scale", () => {
  it("evaluates an hourly definition since 2015 (~100,000 partitions) and walks every key both ways", () => {
    const hourly: TimeWindowPartitions = {
      ...days,
      cron: "0 * * * *",
      format: "yyyy-MM-dd-HH:mm",
      start: "2015-01-01",
      timezone: "America/New_York",
    };
    const ctx = { now: new Date("2026-06-01T00:00:00Z") };
    const t0 = performance.now();
    const space = partitionSpace(hourly, ctx);
    const built = performance.now() - t0;
    const again = performance.now();
    partitionSpace(hourly, ctx).count;
    const rebuilt = performance.now() - again;
    expect(space.count).toBeGreaterThan(99_000);
    const t1 = performance.now();
    const keys = space.keys();
    const walked = performance.now() - t1;
    const t2 = performance.now();
    keys.forEach((key, i) => {
      if (space.indexOf(key) !== i) throw new Error(`${key} at ${i} gives ${space.indexOf(key)}`);
    });
    const looked = performance.now() - t2;
    expect(new Set(keys).size).toBe(space.count);
    console.info(
      `hourly since 2015: ${space.count} partitions; first build ${built.toFixed(1)} ms, rebuild ${rebuilt.toFixed(2)} ms, ` +
        `keyAt over all ${walked.toFixed(0)} ms, indexOf over all ${looked.toFixed(0)} ms`,
    );
  });
});
