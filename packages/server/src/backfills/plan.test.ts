import { partitionSpace } from "@strata/protocol";
import { describe, expect, it } from "vitest";
import { BackfillPlanCycleError, effectivePolicy, filterTarget, type PlanAsset, planBackfill } from "./plan.js";

const days = partitionSpace(
  {
    kind: "time_window",
    cron: "0 0 * * *",
    start: "2024-01-01T00:00:00",
    end: "2024-04-01T00:00:00",
    timezone: "UTC",
    format: "yyyy-MM-dd",
    endOffset: 0,
  },
  { now: new Date("2024-06-01T00:00:00Z") },
);
const asset = (key: string, more: Partial<PlanAsset> = {}): PlanAsset => ({
  key,
  deps: [],
  backfillPolicy: null,
  partitionMappings: {},
  ...more,
});
const all = (keys: string[], start = 0, end = 89) => new Map(keys.map((k) => [k, [{ start, end }]]));
const summary = (chunks: { assetKeys: string[]; startKey: string; endKey: string; dependsOn: number[] }[]) =>
  chunks.map((c) => `${c.assetKeys.join("+")} ${c.startKey}..${c.endKey}${c.dependsOn.length ? ` after ${c.dependsOn.join(",")}` : ""}`);

describe("planBackfill", () => {
  it("cuts 90 days of a → b into 3 runs of 30 that materialize both, with no edges", () => {
    const plan = planBackfill(days, [asset("a"), asset("b", { deps: ["a"] })], all(["a", "b"]), {
      kind: "multi_run",
      maxPartitionsPerRun: 30,
    });
    expect(summary(plan.chunks)).toEqual(["a+b 2024-01-01..2024-01-30", "a+b 2024-01-31..2024-02-29", "a+b 2024-03-01..2024-03-30"]);
  });

  it("groups partitions by the assets that need them: what only one asset misses runs alone", () => {
    const targets = new Map([
      ["a", [{ start: 0, end: 3 }]],
      ["b", [{ start: 2, end: 5 }]],
    ]);
    const plan = planBackfill(days, [asset("a"), asset("b", { deps: ["a"] })], targets, { kind: "single_run" });
    expect(summary(plan.chunks)).toEqual(["a 2024-01-01..2024-01-02", "a+b 2024-01-03..2024-01-04", "b 2024-01-05..2024-01-06"]);
  });

  it("makes a chunk wait for the chunks holding the upstream partitions it reads outside itself", () => {
    const previousDay = { kind: "time_window" as const, startOffset: -1, endOffset: 0, allowNonexistentUpstream: true };
    const b = asset("b", { deps: ["a"], partitionMappings: { a: previousDay } });
    const plan = planBackfill(days, [asset("a"), b], all(["a", "b"], 10, 15), { kind: "multi_run", maxPartitionsPerRun: 2 });
    expect(summary(plan.chunks)).toEqual([
      "a+b 2024-01-11..2024-01-12",
      "a+b 2024-01-13..2024-01-14 after 0",
      "a+b 2024-01-15..2024-01-16 after 1",
    ]);
    expect(plan.chunks.map((c) => c.dependents)).toEqual([[1], [2], []]);
    // A self-dependent asset chains the same way.
    const self = asset("s", { deps: ["s"], partitionMappings: { s: previousDay } });
    expect(
      planBackfill(days, [self], all(["s"], 0, 2), { kind: "multi_run", maxPartitionsPerRun: 1 }).chunks.map((c) => c.dependsOn),
    ).toEqual([[], [0], [1]]);
  });

  it("refuses mappings that would make chunks wait for each other", () => {
    const b = asset("b", { deps: ["a"], partitionMappings: { a: { kind: "all" } } });
    const a = asset("a", { deps: ["b"], partitionMappings: { b: { kind: "all" } } });
    expect(() => planBackfill(days, [a, b], all(["a", "b"], 0, 3), { kind: "multi_run", maxPartitionsPerRun: 2 })).toThrow(
      BackfillPlanCycleError,
    );
  });
});

describe("effectivePolicy and filterTarget", () => {
  it("takes the input's policy, else the strictest of the assets', one partition per run by default", () => {
    const single = asset("a", { backfillPolicy: { kind: "single_run" } });
    const seven = asset("b", { backfillPolicy: { kind: "multi_run", maxPartitionsPerRun: 7 } });
    expect(effectivePolicy([single], {})).toEqual({ kind: "single_run" });
    expect(effectivePolicy([single, seven], {})).toEqual({ kind: "multi_run", maxPartitionsPerRun: 7 });
    expect(effectivePolicy([single, asset("c")], {})).toEqual({ kind: "multi_run", maxPartitionsPerRun: 1 });
    expect(effectivePolicy([seven], { singleRun: true })).toEqual({ kind: "single_run" });
    expect(effectivePolicy([single], { maxPartitionsPerRun: 3 })).toEqual({ kind: "multi_run", maxPartitionsPerRun: 3 });
  });

  it("keeps the missing partitions (and the failed ones with FAILED_AND_MISSING)", () => {
    const statuses = [
      { status: "MATERIALIZED" as const, startIndex: 0, endIndex: 3 },
      { status: "FAILED" as const, startIndex: 4, endIndex: 4 },
      { status: "IN_PROGRESS" as const, startIndex: 5, endIndex: 5 },
      { status: "MISSING" as const, startIndex: 6, endIndex: 9 },
    ];
    expect(filterTarget([{ start: 0, end: 9 }], statuses, "MISSING")).toEqual([{ start: 6, end: 9 }]);
    expect(filterTarget([{ start: 0, end: 9 }], statuses, "FAILED_AND_MISSING")).toEqual([
      { start: 4, end: 4 },
      { start: 6, end: 9 },
    ]);
    expect(filterTarget([{ start: 0, end: 9 }], statuses, "ALL")).toEqual([{ start: 0, end: 9 }]);
  });
});
