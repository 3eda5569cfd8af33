import { manifestSchema, scheduleTickResultSchema } from "@strata/protocol";
import { manifestHash } from "@strata/protocol/hash";
import { describe, expect, expectTypeOf, it } from "vitest";
import { asset } from "./asset.js";
import { Definitions } from "./definitions.js";
import { staticPartitions } from "./partitions.js";
import { type ScheduleContext, schedule } from "./schedule.js";
import { thrown } from "../testing/thrown.js";

const orders = asset("orders", () => 1);
const summary = asset("summary", { keyPrefix: ["sales"], ins: { orders } }, ({ orders }) => orders + 1);
const at = (iso: string) => ({ scheduledTime: new Date(iso), signal: new AbortController().signal });

describe("schedule with a function", () => {
  it("marks the schedule as evaluated by a function in the manifest; the function stays in the location", () => {
    const weekdays = schedule({ name: "weekdays", cron: "0 6 * * *", timezone: "Europe/Berlin", target: [orders] }, () => undefined);
    const slow = schedule({ name: "slow", cron: "0 7 * * *", target: [summary], timeoutMs: 5_000 }, () => undefined);
    const plain = schedule({ name: "plain", cron: "0 8 * * *", target: [orders] });
    const { manifest, hash } = new Definitions({ assets: [orders, summary], schedules: [weekdays, slow, plain] }).manifest();
    expect(manifest.manifestVersion).toBe(7);
    expect(manifest.schedules!.map((s) => [s.name, s.function])).toEqual([
      ["plain", undefined],
      ["slow", { timeoutMs: 5_000 }],
      ["weekdays", { timeoutMs: 60_000 }],
    ]);
    // A schedule as data writes no `function` key, so a manifest without functions hashes as before.
    expect("function" in manifest.schedules![0]!).toBe(false);
    expect(new Definitions({ assets: [orders], schedules: [plain] }).manifest().manifest.manifestVersion).toBe(7);
    expect(manifestSchema.parse(manifest).schedules![2]!.function).toEqual({ timeoutMs: 60_000 });
    expect(hash).toBe(manifestHash(manifest));
  });

  it("answers with run requests, an array of them, a skip reason, or nothing (the default run), in the wire form", async () => {
    const fn = schedule({ name: "s", cron: "0 6 * * *", target: [orders], tags: { team: "sales" } }, ({ scheduledTime }) => {
      const day = scheduledTime.toISOString().slice(0, 10);
      if (day === "2025-03-08") return { skipReason: "weekend" };
      if (day === "2025-03-09") return undefined;
      if (day === "2025-03-10") return [{ runKey: day }, { runKey: `${day}-summary`, assets: [summary], tags: { why: "monday" } }];
      return { runKey: day, partitionKey: "p" };
    });
    expect(await fn.evaluate(at("2025-03-08T06:00:00Z"))).toEqual({ skipReason: "weekend" });
    expect(await fn.evaluate(at("2025-03-09T06:00:00Z"))).toEqual({ runRequests: [{}] });
    expect(await fn.evaluate(at("2025-03-10T06:00:00Z"))).toEqual({
      runRequests: [
        { runKey: "2025-03-10", assetKeys: null, tags: {}, partitionKey: null },
        { runKey: "2025-03-10-summary", assetKeys: ["sales/summary"], tags: { why: "monday" }, partitionKey: null },
      ],
    });
    const single = await fn.evaluate(at("2025-03-11T06:00:00Z"));
    expect(single).toEqual({ runRequests: [{ runKey: "2025-03-11", assetKeys: null, tags: {}, partitionKey: "p" }] });
    // What the location sends is what the server reads; nothing returned is one request with every field null.
    expect(scheduleTickResultSchema.parse(await fn.evaluate(at("2025-03-09T06:00:00Z")))).toEqual({
      runRequests: [{ runKey: null, assetKeys: null, tags: {}, partitionKey: null }],
      skipReason: null,
      error: null,
    });
    expect(scheduleTickResultSchema.parse(single).runRequests).toHaveLength(1);
  });

  it("rejects a function that throws or answers something malformed, and refuses bad options when made", async () => {
    const throwing = schedule({ name: "t", cron: "0 6 * * *", target: [orders] }, () => {
      throw new TypeError("no calendar");
    });
    await expect(throwing.evaluate(at("2025-03-08T06:00:00Z"))).rejects.toThrow("no calendar");
    const badTag = schedule({ name: "b", cron: "0 6 * * *", target: [orders] }, () => ({ tags: { "bad key": "x" } }));
    await expect(badTag.evaluate(at("2025-03-08T06:00:00Z"))).rejects.toThrow('schedule "b" run request 0: tag "bad key"');
    const badSkip = schedule({ name: "k", cron: "0 6 * * *", target: [orders] }, () => ({ skipReason: 3 }) as never);
    await expect(badSkip.evaluate(at("2025-03-08T06:00:00Z"))).rejects.toThrow("skipReason must be a string");

    // @ts-expect-error timeoutMs belongs to a schedule with a function
    expect(thrown(() => schedule({ name: "d", cron: "0 6 * * *", target: [orders], timeoutMs: 1_000 })).message).toBe(
      'schedule "d": timeoutMs applies to a schedule with a function only',
    );
    expect(thrown(() => schedule({ name: "d", cron: "0 6 * * *", target: [orders], timeoutMs: 50 }, () => undefined)).code).toBe(
      "invalid_schedule",
    );
    // A function names partitions in its run requests, so static partitions need no partitionKey.
    const regional = asset("regional", { partitions: staticPartitions(["eu", "us"]) }, () => 1);
    const perRegion = schedule({ name: "r", cron: "0 6 * * *", target: [regional] }, () => [
      { partitionKey: "eu", runKey: "eu" },
      { partitionKey: "us", runKey: "us" },
    ]);
    expect(new Definitions({ assets: [regional], schedules: [perRegion] }).manifest().manifest.schedules).toHaveLength(1);
  });

  it("types the context and the answer", () => {
    schedule({ name: "typed", cron: "0 6 * * *", target: [orders] }, (context) => {
      expectTypeOf(context).toEqualTypeOf<ScheduleContext>();
      expectTypeOf(context.scheduledTime).toEqualTypeOf<Date>();
      expectTypeOf(context.signal).toEqualTypeOf<AbortSignal>();
      return { runKey: "k" };
    });
    schedule({ name: "async", cron: "0 6 * * *", target: [orders] }, async () => [{ runKey: "a" }, { runKey: "b" }]);
    // @ts-expect-error a run request's tags are strings
    schedule({ name: "wrong", cron: "0 6 * * *", target: [orders] }, () => ({ tags: { n: 1 } }));
    // @ts-expect-error a skip reason is a string
    schedule({ name: "wrong2", cron: "0 6 * * *", target: [orders] }, () => ({ skipReason: false }));
  });
});
