import { manifestSchema } from "@strata/protocol";
import { describe, expect, expectTypeOf, it } from "vitest";
// Through the package's entry point, as a user imports them.
import {
  AssetIn,
  AssetOut,
  allPartitionsMapping,
  asset,
  Definitions,
  dailyPartitions,
  dynamicPartitions,
  graphAsset,
  hourlyPartitions,
  identityMapping,
  monthlyPartitions,
  multiAsset,
  multiPartitionMapping,
  multiPartitions,
  multiRun,
  multiToSingleMapping,
  op,
  singleRun,
  staticPartitionMapping,
  staticPartitions,
  timeWindowMapping,
  timeWindowPartitions,
  weeklyPartitions,
} from "../index.js";
import { thrown } from "../testing/thrown.js";

describe("partitions definitions", () => {
  it("builds Dagster's schedules with their offsets baked into the cron and the default formats", () => {
    expect(dailyPartitions({ start: "2024-01-01" })).toEqual({
      kind: "time_window",
      cron: "0 0 * * *",
      start: "2024-01-01T00:00:00",
      end: null,
      timezone: "UTC",
      format: "yyyy-MM-dd",
      endOffset: 0,
    });
    expect(
      dailyPartitions({ start: "2024-01-01T06:30", hourOffset: 6, minuteOffset: 30, timezone: "Europe/Berlin", endOffset: 1 }),
    ).toMatchObject({ cron: "30 6 * * *", start: "2024-01-01T06:30:00", timezone: "Europe/Berlin", endOffset: 1 });
    expect(hourlyPartitions({ start: "2024-01-01", minuteOffset: 15 })).toMatchObject({ cron: "15 * * * *", format: "yyyy-MM-dd-HH:mm" });
    expect(weeklyPartitions({ start: "2024-01-01" }).cron).toBe("0 0 * * 0");
    expect(weeklyPartitions({ start: "2024-01-01", dayOffset: 1, hourOffset: 2 }).cron).toBe("0 2 * * 1");
    expect(monthlyPartitions({ start: "2024-01-01" }).cron).toBe("0 0 1 * *");
    expect(monthlyPartitions({ start: "2024-01-01", dayOffset: 15, end: "2025-01-01" })).toMatchObject({
      cron: "0 0 15 * *",
      end: "2025-01-01T00:00:00",
    });
    expect(timeWindowPartitions({ cron: "0 6,18 * * *", start: "2024-01-01", format: "yyyy-MM-dd-HH:mm" }).cron).toBe("0 6,18 * * *");
  });

  it("rejects what could never be evaluated, naming the culprit", () => {
    expect(thrown(() => dailyPartitions({ start: "2024-01-01", timezone: "Mars/Olympus" })).message).toMatch(
      /dailyPartitions: .*timezone.*Mars\/Olympus/,
    );
    expect(thrown(() => dailyPartitions({ start: "01/01/2024" })).code).toBe("invalid_partitions");
    expect(thrown(() => dailyPartitions({ start: "2024-01-01", hourOffset: 24 })).message).toMatch(/hourOffset/);
    expect(thrown(() => dailyPartitions({ start: "2024-02-01", end: "2024-01-01" })).message).toMatch(/before start/);
    expect(thrown(() => timeWindowPartitions({ cron: "0 0 * *", start: "2024-01-01", format: "yyyy" })).message).toMatch(/cron/);
    expect(thrown(() => staticPartitions(["eu", "eu"])).message).toMatch(/duplicates the key "eu"/);
    expect(thrown(() => staticPartitions(["eu|us"])).code).toBe("invalid_partitions");
    expect(thrown(() => dynamicPartitions("no spaces")).code).toBe("invalid_partitions");
  });

  it("sorts the dimensions of multi partitions by name and takes 2 to 4 of them", () => {
    const regions = staticPartitions(["eu", "us"]);
    const days = dailyPartitions({ start: "2024-01-01" });
    expect(multiPartitions({ region: regions, date: days }).dimensions.map((d) => d.name)).toEqual(["date", "region"]);
    expect(thrown(() => multiPartitions({ region: regions })).message).toMatch(/2 to 4 dimensions, got 1/);
    const five = Object.fromEntries(["a", "b", "c", "d", "e"].map((n) => [n, regions]));
    expect(thrown(() => multiPartitions(five)).message).toMatch(/got 5/);
    expect(thrown(() => multiPartitions({ a: days, b: hourlyPartitions({ start: "2024-01-01" }) })).message).toMatch(
      /one time-window dimension/,
    );
  });

  it("builds mappings as data with Dagster's defaults", () => {
    expect(timeWindowMapping({ startOffset: -6 })).toEqual({
      kind: "time_window",
      startOffset: -6,
      endOffset: 0,
      allowNonexistentUpstream: false,
    });
    expect(staticPartitionMapping({ de: "eu", fr: ["eu", "emea"] })).toEqual({
      kind: "static_map",
      map: { de: ["eu"], fr: ["eu", "emea"] },
    });
    expect(multiToSingleMapping()).toEqual({ kind: "multi_to_single", dimension: null });
    expect(multiPartitionMapping({ date: { mapping: timeWindowMapping({ startOffset: -1 }) }, region: {} })).toEqual({
      kind: "multi",
      dimensions: {
        date: {
          upstreamDimension: "date",
          mapping: { kind: "time_window", startOffset: -1, endOffset: 0, allowNonexistentUpstream: false },
        },
        region: { upstreamDimension: "region", mapping: { kind: "identity" } },
      },
    });
    expect(thrown(() => timeWindowMapping({ startOffset: 0.5 })).message).toMatch(/startOffset/);
    expect(thrown(() => multiRun({ maxPartitionsPerRun: 0 })).message).toMatch(/maxPartitionsPerRun/);
  });
});

describe("partitioned assets", () => {
  const days = dailyPartitions({ start: "2024-01-01", timezone: "Europe/Berlin" });

  it("types an input read through a mapping as the upstream's value", () => {
    const raw = asset("raw", { partitions: days }, () => [{ n: 1 }]);
    const viaAsset = asset(
      "a",
      { partitions: days, ins: { raw: { asset: raw, mapping: timeWindowMapping({ startOffset: -1 }) } } },
      ({ raw }) => {
        expectTypeOf(raw).toEqualTypeOf<{ n: number }[]>();
        return raw.length;
      },
    );
    const viaAssetIn = asset(
      "b",
      { partitions: days, ins: { raw: new AssetIn<string>({ key: "raw", mapping: identityMapping() }) } },
      ({ raw }) => {
        expectTypeOf(raw).toEqualTypeOf<string>();
        return raw;
      },
    );
    expectTypeOf(viaAsset).toEqualTypeOf<typeof viaAsset>();
    expect(viaAssetIn.blueprint.inputs[0]!.upstream.mapping).toEqual({ kind: "identity" });
  });

  it("puts partitions, backfill policies and explicit mappings in a manifest the protocol parses", () => {
    const regions = staticPartitions(["eu", "us"]);
    const raw = asset("raw", { partitions: days, backfillPolicy: singleRun() }, () => 1);
    const rolling = asset(
      "rolling",
      {
        partitions: days,
        backfillPolicy: multiRun({ maxPartitionsPerRun: 30 }),
        ins: { raw: { asset: raw, mapping: timeWindowMapping({ startOffset: -6 }) } },
      },
      ({ raw }) => raw,
    );
    const same = asset("same", { partitions: days, ins: { raw } }, ({ raw }) => raw);
    const split = multiAsset(
      {
        name: "split",
        partitions: regions,
        outs: { left: new AssetOut(), right: new AssetOut() },
        deps: [{ asset: raw, mapping: allPartitionsMapping() }],
      },
      () => ({ left: 1, right: 2 }),
    );
    const double = op("double", (n: number) => n * 2);
    const graph = graphAsset("graph", { partitions: days, ins: { raw } }, ({ raw }) => double(raw));
    const { manifest } = new Definitions({ assets: [raw, rolling, same, split, graph] }).manifest();

    expect(manifest.manifestVersion).toBe(7);
    expect(manifestSchema.parse(manifest)).toEqual(manifest);
    const byKey = Object.fromEntries(manifest.assets.map((a) => [a.key, a]));
    expect(byKey.raw).toMatchObject({ partitions: days, backfillPolicy: { kind: "single_run" }, partitionMappings: {} });
    expect(byKey.rolling).toMatchObject({
      backfillPolicy: { kind: "multi_run", maxPartitionsPerRun: 30 },
      partitionMappings: { raw: { kind: "time_window", startOffset: -6, endOffset: 0, allowNonexistentUpstream: false } },
    });
    // Inferred mappings stay out: the server infers them the same way.
    expect(byKey.same!.partitionMappings).toEqual({});
    expect(byKey.left).toMatchObject({ partitions: regions, partitionMappings: { raw: { kind: "all" } } });
    expect(byKey.graph).toMatchObject({ partitions: days, backfillPolicy: null });
  });

  it("rejects mappings that cannot apply, and a backfill policy without partitions", () => {
    const plain = asset("plain", () => 1);
    const raw = asset("raw", { partitions: days }, () => 1);
    const mapsPlain = asset("maps_plain", { partitions: days, ins: { plain: { asset: plain, mapping: timeWindowMapping() } } }, () => 1);
    expect(thrown(() => new Definitions({ assets: [plain, mapsPlain] })).message).toMatch(/"plain", which is not partitioned/);
    const unpartitioned = asset(
      "unpartitioned",
      { ins: { raw: { asset: raw, mapping: timeWindowMapping({ startOffset: -1 }) } } },
      () => 1,
    );
    expect(thrown(() => new Definitions({ assets: [raw, unpartitioned] })).message).toMatch(/is not partitioned, so its time_window/);
    const twice = asset(
      "twice",
      {
        partitions: days,
        ins: { a: { asset: raw, mapping: identityMapping() }, b: { asset: raw, mapping: timeWindowMapping({ startOffset: -1 }) } },
      },
      () => 1,
    );
    expect(thrown(() => new Definitions({ assets: [raw, twice] })).message).toMatch(/two different partition mappings/);
    expect(thrown(() => asset("policy", { backfillPolicy: singleRun() }, () => 1)).message).toMatch(/backfillPolicy needs partitions/);
  });
});
