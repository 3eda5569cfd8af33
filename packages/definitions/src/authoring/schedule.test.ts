import { manifestSchema } from "@strata/protocol";
import { manifestHash } from "@strata/protocol/hash";
import { describe, expect, it } from "vitest";
import { asset } from "./asset.js";
import { AssetOut } from "./asset-out.js";
import { Definitions } from "./definitions.js";
import { multiAsset } from "./multi-asset.js";
import { dailyPartitions, staticPartitions } from "./partitions.js";
import { schedule } from "./schedule.js";
import { thrown } from "../testing/thrown.js";

const orders = asset("orders", () => 1);
const summary = asset("summary", { keyPrefix: ["sales"], ins: { orders } }, ({ orders }) => orders + 1);
const pair = multiAsset({ name: "pair", outs: { x: new AssetOut(), y: new AssetOut() } }, () => ({ x: 1, y: 2 }));

describe("schedule", () => {
  it("puts schedules in the manifest as data, sorted, with their targets' keys, and the hash covers them", () => {
    const nightly = schedule({
      name: "nightly",
      cron: "30 2 * * *",
      timezone: "America/New_York",
      target: [summary, "orders"],
      tags: { team: "sales" },
    });
    const hourly = schedule({ name: "hourly", cron: "0 * * * *", target: [pair], defaultStatus: "STOPPED" });
    const defs = new Definitions({ assets: [orders, summary, pair], schedules: [nightly, hourly] });
    const { manifest, hash } = defs.manifest();
    expect(manifest.manifestVersion).toBe(7);
    expect(manifest.schedules).toEqual([
      { name: "hourly", cron: "0 * * * *", timezone: "UTC", targets: ["x", "y"], tags: {}, description: null, defaultStatus: "STOPPED" },
      {
        name: "nightly",
        cron: "30 2 * * *",
        timezone: "America/New_York",
        targets: ["orders", "sales/summary"],
        tags: { team: "sales" },
        description: null,
        defaultStatus: "RUNNING",
      },
    ]);
    expect(manifestSchema.parse(manifest).schedules).toHaveLength(2);
    expect(hash).toBe(manifestHash(manifest));
    const without = new Definitions({ assets: [orders, summary, pair] }).manifest();
    expect(without.hash).not.toBe(hash);
    // No schedules: the manifest carries no `schedules` list at all.
    expect(without.manifest.manifestVersion).toBe(7);
    expect("schedules" in without.manifest).toBe(false);
  });

  it("refuses a bad cron, an unknown time zone and a bad default status when the schedule is made", () => {
    expect(thrown(() => schedule({ name: "s", cron: "0 0 * *", target: ["orders"] })).message).toBe(
      'schedule "s": "0 0 * *" must have five fields (minute hour day-of-month month day-of-week)',
    );
    expect(thrown(() => schedule({ name: "s", cron: "0 25 * * *", target: ["orders"] })).code).toBe("invalid_schedule");
    expect(thrown(() => schedule({ name: "s", cron: "0 0 * * *", timezone: "Mars/Olympus", target: ["orders"] })).message).toBe(
      'schedule "s": unknown IANA time zone "Mars/Olympus"',
    );
    expect(thrown(() => schedule({ name: "s", cron: "0 0 * * *", target: [] })).message).toContain("target must list at least one");
    expect(thrown(() => schedule({ name: "bad name", cron: "0 0 * * *", target: ["orders"] })).code).toBe("invalid_name");
  });

  it("refuses unknown targets, partitions a tick could not tell, and duplicate names in Definitions", () => {
    const s = (name: string, target: string[]) => schedule({ name, cron: "0 0 * * *", target });
    expect(thrown(() => new Definitions({ assets: [orders], schedules: [s("s", ["nope"])] })).message).toBe(
      'schedule "s": "nope" is not an asset of this code location',
    );
    const regional = asset("regional", { partitions: staticPartitions(["eu", "us"]) }, () => 1);
    expect(thrown(() => new Definitions({ assets: [regional], schedules: [s("s", ["regional"])] })).message).toBe(
      'schedule "s": targets partitioned by static partitions need a partitionKey (only time windows have a latest partition to run)',
    );
    const eu = schedule({ name: "eu", cron: "0 0 * * *", target: [orders], partitionKey: "eu" });
    expect(thrown(() => new Definitions({ assets: [orders], schedules: [eu] })).message).toBe(
      'schedule "eu": is set but no target is partitioned',
    );
    expect(thrown(() => new Definitions({ assets: [orders], schedules: [s("s", ["orders"]), s("s", ["orders"])] })).message).toBe(
      'schedule "s": duplicates the schedule "s"',
    );
  });

  it("writes a partitioned target's partition key when given, and none for time windows (the latest ended window runs)", () => {
    const daily = asset("daily", { partitions: dailyPartitions({ start: "2025-01-01" }) }, () => 1);
    const regional = asset("regional", { partitions: staticPartitions(["eu", "us"]) }, () => 1);
    const defs = new Definitions({
      assets: [daily, regional],
      schedules: [
        schedule({ name: "nightly", cron: "0 1 * * *", target: [daily] }),
        schedule({ name: "eu", cron: "0 6 * * *", target: [regional], partitionKey: "eu" }),
      ],
    });
    const { manifest, hash } = defs.manifest();
    expect(manifest.schedules!.map((x) => [x.name, x.partitionKey])).toEqual([
      ["eu", "eu"],
      ["nightly", undefined],
    ]);
    expect("partitionKey" in manifest.schedules![1]!).toBe(false);
    expect(manifestSchema.parse(manifest).schedules![0]!.partitionKey).toBe("eu");
    expect(hash).toBe(manifestHash(manifest));
  });
});
