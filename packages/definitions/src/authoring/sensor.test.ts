import { manifestSchema, sensorTickResultSchema } from "@strata/protocol";
import { describe, expect, it } from "vitest";
import { asset } from "./asset.js";
import { Definitions } from "./definitions.js";
import { schedule } from "./schedule.js";
import { sensor } from "./sensor.js";
import { thrown } from "../testing/thrown.js";

const orders = asset("orders", () => 1);
const summary = asset("summary", { keyPrefix: ["sales"], ins: { orders } }, ({ orders }) => orders + 1);
const context = (cursor: string | null = null) => ({ cursor, lastTickAt: null, signal: new AbortController().signal });

describe("sensor", () => {
  it("puts sensors in the manifest as data (version 5), sorted, with defaults; the function stays in the location", () => {
    const files = sensor("new_files", { minimumIntervalMs: 10_000, target: [summary, "orders"] }, () => undefined);
    const quiet = sensor("quiet", { timeoutMs: 5_000, defaultStatus: "STOPPED", description: "off by default" }, () => undefined);
    const defs = new Definitions({
      assets: [orders, summary],
      sensors: [quiet, files],
      schedules: [schedule({ name: "n", cron: "0 0 * * *", target: [orders] })],
    });
    const { manifest } = defs.manifest();
    expect(manifest.manifestVersion).toBe(7);
    expect(manifest.sensors).toEqual([
      {
        name: "new_files",
        minimumIntervalMs: 10_000,
        timeoutMs: 60_000,
        targets: ["orders", "sales/summary"],
        description: null,
        defaultStatus: "RUNNING",
      },
      { name: "quiet", minimumIntervalMs: 30_000, timeoutMs: 5_000, targets: [], description: "off by default", defaultStatus: "STOPPED" },
    ]);
    expect(manifestSchema.safeParse(manifest).success).toBe(true);
    expect(new Definitions({ assets: [orders] }).manifest().manifest.manifestVersion).toBe(7);
    // with() keeps them.
    expect(defs.with({}).manifest().manifest.sensors).toHaveLength(2);
  });

  it("refuses bad definitions with the sensor named", () => {
    expect(thrown(() => sensor("bad name", {}, () => undefined))).toMatchObject({ code: "invalid_name" });
    expect(thrown(() => sensor("s", { minimumIntervalMs: 10 }, () => undefined)).message).toMatch(
      /minimumIntervalMs must be a whole number of milliseconds from 100/,
    );
    expect(thrown(() => sensor("s", { timeoutMs: 1.5 }, () => undefined))).toMatchObject({ code: "invalid_sensor", culprit: 'sensor "s"' });
    expect(thrown(() => sensor("s", {}, "nope" as never)).message).toMatch(/needs a function/);
    const unknownTarget = sensor("s", { target: ["nope"] }, () => undefined);
    expect(thrown(() => new Definitions({ assets: [orders], sensors: [unknownTarget] })).message).toMatch(
      /"nope" is not an asset of this code location/,
    );
    const twice = [sensor("s", {}, () => undefined), sensor("s", {}, () => undefined)];
    expect(thrown(() => new Definitions({ assets: [orders], sensors: twice })).message).toMatch(/duplicates the sensor "s"/);
    expect(thrown(() => new Definitions({ assets: [orders], sensors: [{}] as never })).message).toMatch(
      /sensors must be an array of sensor/,
    );
  });

  it("evaluates to the wire result: run requests with asset keys resolved, cursor and skip reason; bad results are refused", async () => {
    const files = sensor("files", { target: [orders] }, ({ cursor }) => {
      if (cursor === "done") return { skipReason: "nothing new" };
      return {
        runRequests: [
          { runKey: "a.csv", tags: { file: "a.csv" } },
          { assets: [summary], partitionKey: "2024-01-01" },
        ],
        cursor: "done",
      };
    });
    const result = await files.evaluate(context());
    expect(result).toEqual({
      runRequests: [
        { runKey: "a.csv", assetKeys: null, tags: { file: "a.csv" }, partitionKey: null },
        { runKey: null, assetKeys: ["sales/summary"], tags: {}, partitionKey: "2024-01-01" },
      ],
      skipReason: null,
      cursor: "done",
    });
    expect(sensorTickResultSchema.parse(result).runRequests).toHaveLength(2);
    expect(await files.evaluate(context("done"))).toEqual({ runRequests: [], skipReason: "nothing new", cursor: null });
    const nothing = sensor("nothing", {}, async () => undefined);
    expect(await nothing.evaluate(context())).toEqual({ runRequests: [], skipReason: null, cursor: null });
    const noTarget = sensor("no_target", {}, () => ({ runRequests: [{ runKey: "x" }] }));
    await expect(noTarget.evaluate(context())).rejects.toThrow(/names no assets: give it `assets`, or the sensor a `target`/);
    const badTag = sensor("bad_tag", { target: [orders] }, () => ({ runRequests: [{ tags: { "bad key": "v" } }] }));
    await expect(badTag.evaluate(context())).rejects.toMatchObject({ code: "invalid_tag" });
    const throws = sensor("throws", {}, () => {
      throw new TypeError("inbox is not a directory");
    });
    await expect(throws.evaluate(context())).rejects.toThrow("inbox is not a directory");
  });
});
