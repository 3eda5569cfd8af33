import { describe, expect, it } from "vitest";
import {
  backfillPolicySchema,
  manifestSchema,
  partitionMappingSchema,
  partitionsDefinitionSchema,
  partitionsProblems,
  timeWindowCron,
  type PartitionsDefinition,
} from "../index.js";
import { assetFixture } from "../testing/manifest.js";

const daily: PartitionsDefinition = {
  kind: "time_window",
  cron: "0 0 * * *",
  start: "2024-01-01T00:00:00",
  end: null,
  timezone: "Europe/Berlin",
  format: "yyyy-MM-dd",
  endOffset: 0,
};

describe("partitions definitions on the wire", () => {
  it("bakes Dagster's offsets into the cron", () => {
    expect(timeWindowCron("hourly", { minuteOffset: 15 })).toBe("15 * * * *");
    expect(timeWindowCron("daily", { hourOffset: 6, minuteOffset: 30 })).toBe("30 6 * * *");
    expect(timeWindowCron("weekly")).toBe("0 0 * * 0");
    expect(timeWindowCron("weekly", { dayOffset: 1 })).toBe("0 0 * * 1");
    expect(timeWindowCron("monthly")).toBe("0 0 1 * *");
  });

  it("parses each kind and rejects reserved characters, empty and over-long keys", () => {
    expect(partitionsDefinitionSchema.parse(daily)).toEqual(daily);
    expect(partitionsDefinitionSchema.safeParse({ kind: "static", keys: ["eu", "us"] }).success).toBe(true);
    for (const bad of ["a|b", "a,b", "[a", "a]", "", "x".repeat(1025)]) {
      expect(partitionsDefinitionSchema.safeParse({ kind: "static", keys: [bad] }).success).toBe(false);
    }
    expect(partitionsDefinitionSchema.safeParse({ kind: "dynamic", name: "customers" }).success).toBe(true);
    expect(partitionsDefinitionSchema.safeParse({ kind: "dynamic", name: "bad name" }).success).toBe(false);
    expect(partitionsDefinitionSchema.safeParse({ ...daily, start: "January 1st" }).success).toBe(false);
    expect(partitionsDefinitionSchema.safeParse({ ...daily, endOffset: 0.5 }).success).toBe(false);
  });

  it("takes 2 to 4 dimensions, never a multi inside a multi", () => {
    const dim = (name: string) => ({ name, partitions: { kind: "static" as const, keys: ["a"] } });
    expect(partitionsDefinitionSchema.safeParse({ kind: "multi", dimensions: [dim("a")] }).success).toBe(false);
    expect(partitionsDefinitionSchema.safeParse({ kind: "multi", dimensions: ["a", "b", "c", "d"].map(dim) }).success).toBe(true);
    expect(partitionsDefinitionSchema.safeParse({ kind: "multi", dimensions: ["a", "b", "c", "d", "e"].map(dim) }).success).toBe(false);
    const nested = { name: "n", partitions: { kind: "multi", dimensions: [dim("a"), dim("b")] } };
    expect(partitionsDefinitionSchema.safeParse({ kind: "multi", dimensions: [dim("a"), nested] }).success).toBe(false);
  });

  it("parses mappings and backfill policies", () => {
    const mappings = [
      { kind: "identity" },
      { kind: "all" },
      { kind: "last" },
      { kind: "specific", keys: ["eu"] },
      { kind: "static_map", map: { eu: ["europe"], us: ["america", "usa"] } },
      { kind: "time_window", startOffset: -1, endOffset: 0, allowNonexistentUpstream: false },
      { kind: "multi_to_single", dimension: "date" },
      {
        kind: "multi",
        dimensions: {
          date: {
            upstreamDimension: "day",
            mapping: { kind: "time_window", startOffset: 0, endOffset: 0, allowNonexistentUpstream: true },
          },
        },
      },
    ];
    for (const m of mappings) expect(partitionMappingSchema.parse(m)).toEqual(m);
    const nestedMulti = {
      kind: "multi",
      dimensions: { a: { upstreamDimension: "a", mapping: { kind: "multi_to_single", dimension: null } } },
    };
    expect(partitionMappingSchema.safeParse(nestedMulti).success).toBe(false);
    expect(backfillPolicySchema.parse({ kind: "multi_run", maxPartitionsPerRun: 30 })).toEqual({
      kind: "multi_run",
      maxPartitionsPerRun: 30,
    });
    expect(backfillPolicySchema.safeParse({ kind: "multi_run", maxPartitionsPerRun: 0 }).success).toBe(false);
    expect(backfillPolicySchema.parse({ kind: "single_run" })).toEqual({ kind: "single_run" });
  });
});

describe("partitionsProblems", () => {
  it("is empty for a sound definition", () => {
    expect(partitionsProblems(daily)).toEqual([]);
    expect(partitionsProblems({ ...daily, cron: "0 * * * *", format: "yyyy-MM-dd-HH:mm", timezone: "Asia/Kolkata" })).toEqual([]);
  });

  it("names the unknown time zone, the unreadable cron, the lossy format, a start after the end", () => {
    expect(partitionsProblems({ ...daily, timezone: "Mars/Olympus" })).toEqual([
      { path: "timezone", message: 'unknown IANA time zone "Mars/Olympus"' },
    ]);
    expect(partitionsProblems({ ...daily, cron: "61 * * * *" })).toEqual([
      { path: "cron", message: expect.stringContaining("not a valid cron") },
    ]);
    expect(partitionsProblems({ ...daily, cron: "0 0 0 * * *" })).toEqual([
      { path: "cron", message: expect.stringContaining("five fields") },
    ]);
    // Hourly windows keyed by day: two windows would share a key.
    expect(partitionsProblems({ ...daily, cron: "0 * * * *", start: "2024-01-01T05:00" })).toEqual([
      { path: "format", message: expect.stringContaining("does not identify a window") },
    ]);
    expect(partitionsProblems({ ...daily, end: "2023-12-31T00:00:00" })).toEqual([
      { path: "end", message: expect.stringContaining("before start") },
    ]);
    expect(partitionsProblems({ ...daily, start: "2024-02-30" })).toEqual([{ path: "start", message: '"2024-02-30" is not a date' }]);
  });

  it("names duplicated static keys and dimension mistakes", () => {
    expect(partitionsProblems({ kind: "static", keys: ["eu", "us", "eu"] })).toEqual([
      { path: "keys.2", message: 'duplicates the key "eu"' },
    ]);
    const regions = { kind: "static" as const, keys: ["eu", "us"] };
    expect(
      partitionsProblems({
        kind: "multi",
        dimensions: [
          { name: "a", partitions: daily },
          { name: "b", partitions: { ...daily, timezone: "Nowhere/Else" } },
        ],
      }),
    ).toEqual([
      { path: "dimensions", message: "at most one time-window dimension is allowed, found 2" },
      { path: "dimensions.1.partitions.timezone", message: 'unknown IANA time zone "Nowhere/Else"' },
    ]);
    expect(
      partitionsProblems({
        kind: "multi",
        dimensions: [
          { name: "region", partitions: regions },
          { name: "region", partitions: regions },
          { name: "date", partitions: daily },
        ],
      }),
    ).toEqual([
      { path: "dimensions.1.name", message: 'duplicates the dimension "region"' },
      { path: "dimensions.2.name", message: "dimensions must be sorted by name" },
    ]);
  });
});

describe("manifest v2", () => {
  const asset = assetFixture("events");

  it("reads a version 1 manifest as unpartitioned assets", () => {
    const manifest = manifestSchema.parse({ manifestVersion: 1, assets: [asset], steps: [] });
    expect(manifest.assets[0]).toMatchObject({ partitions: null, backfillPolicy: null, partitionMappings: {} });
  });

  it("carries partitions, a backfill policy and explicit mappings in version 2", () => {
    const v2 = {
      ...asset,
      partitions: daily,
      backfillPolicy: { kind: "single_run" },
      partitionMappings: { raw: { kind: "time_window", startOffset: -6, endOffset: 0, allowNonexistentUpstream: false } },
    };
    const manifest = manifestSchema.parse({ manifestVersion: 2, assets: [v2], steps: [] });
    // Fields of later versions read as absent.
    expect(manifest.assets[0]).toEqual({ ...v2, freshness: null, automation: null });
    expect(
      manifestSchema.safeParse({ manifestVersion: 2, assets: [{ ...v2, partitionMappings: { "not a key": { kind: "all" } } }], steps: [] })
        .success,
    ).toBe(false);
  });
});
