import { planReexecution, resolveSelection } from "@strata/protocol";
import { describe, expect, it } from "vitest";
import { AssetIn } from "../authoring/asset-in.js";
import { asset } from "../authoring/asset.js";
import { singleRun } from "../authoring/backfill-policy.js";
import { Definitions } from "../authoring/definitions.js";
import { identityMapping, multiPartitionMapping, timeWindowMapping } from "../authoring/partition-mapping.js";
import { dailyPartitions, multiPartitions, staticPartitions } from "../authoring/partitions.js";
import { InMemoryIOManager } from "../io/in-memory-io-manager.js";
import { materialize } from "./materialize.js";
import { thrown } from "../testing/thrown.js";

const days = dailyPartitions({ start: "2024-01-01", end: "2024-02-01", timezone: "UTC" });
const yesterday = () => timeWindowMapping({ startOffset: -1, endOffset: -1 });

/** A running total: each day adds its day of month to the previous day's total (0 before the first). */
const runningTotal = (options: { backfillPolicy?: ReturnType<typeof singleRun> } = {}) =>
  asset(
    "total",
    {
      partitions: days,
      ...options,
      ins: { previous: new AssetIn<Record<string, number> | number | undefined>({ key: "total", mapping: yesterday() }) },
    },
    ({ previous }, ctx) => {
      // A single-partition run reads one value; the first partition reads nothing.
      let total = typeof previous === "number" ? previous : 0;
      const out: Record<string, number> = {};
      for (const key of ctx.partition!.keys) out[key] = total += Number(key.slice(8));
      return out;
    },
  );

describe("a self-dependent partitioned asset", () => {
  it("is allowed with a mapping to earlier partitions; the manifest carries the dependency, the steps have no self-edge", () => {
    const defs = new Definitions({ assets: [runningTotal()] });
    const { manifest } = defs.manifest();
    expect(manifest.assets[0]).toMatchObject({
      key: "total",
      deps: ["total"],
      partitionMappings: { total: { kind: "time_window", startOffset: -1, endOffset: -1, allowNonexistentUpstream: false } },
    });
    // The step does not wait for itself: the input is loaded from storage, like another location's.
    expect(manifest.steps[0]).toMatchObject({
      key: "total",
      inputs: [],
      deps: [],
      externalInputs: [{ name: "previous", assetKey: "total" }],
    });
    // The shared planner sees no cycle.
    expect(resolveSelection(manifest, ["total"]).stepKeys).toEqual(["total"]);
  });

  it("reads the previous day's stored value, one run per day; the first day reads undefined", async () => {
    const memory = new InMemoryIOManager();
    const seen: unknown[] = [];
    const total = asset(
      "total",
      { partitions: days, ins: { previous: new AssetIn<number | undefined>({ key: "total", mapping: yesterday() }) } },
      ({ previous }, ctx) => {
        seen.push(previous);
        return (previous ?? 0) + Number(ctx.partition!.key!.slice(8));
      },
    );
    const defs = new Definitions({ assets: [total], ioManagers: { io_manager: memory } });
    for (const key of ["2024-01-01", "2024-01-02", "2024-01-03"]) {
      const result = await materialize(defs, { partition: key });
      expect(result.success).toBe(true);
    }
    expect(seen).toEqual([undefined, 1, 3]);
    expect(memory.get({ assetKey: ["total"] }, "2024-01-03")).toBe(6);
    // A later partition whose previous one was never materialized fails to load it, visibly.
    const gap = await materialize(defs, { partition: "2024-01-10" });
    expect(gap.success).toBe(false);
    expect(gap.events.find((e) => e.type === "STEP_FAILURE")?.message).toMatch(/no value stored for asset:total\u00002024-01-09/);
  });

  it("a single run over a range sees the whole range and reads only the partition before it", async () => {
    const memory = new InMemoryIOManager();
    const defs = new Definitions({ assets: [runningTotal({ backfillPolicy: singleRun() })], ioManagers: { io_manager: memory } });
    const first = await materialize(defs, { partitionRange: { from: "2024-01-01", to: "2024-01-10" } });
    expect(first.success).toBe(true);
    expect(first.events.filter((e) => e.type === "STEP_START")).toHaveLength(1);
    expect(first.materializations).toHaveLength(10);
    expect(memory.get({ assetKey: ["total"] }, "2024-01-10")).toBe(55);
    // The next range starts from 01-10's stored total.
    const next = await materialize(defs, { partitionRange: { from: "2024-01-11", to: "2024-01-12" } });
    expect(next.success).toBe(true);
    expect(memory.get({ assetKey: ["total"] }, "2024-01-12")).toBe(55 + 11 + 12);
  });

  it("re-execution plans the step alone: the self-dependency is no upstream", async () => {
    const memory = new InMemoryIOManager();
    const defs = new Definitions({ assets: [runningTotal()], ioManagers: { io_manager: memory } });
    const run = await materialize(defs, { partition: "2024-01-01" });
    const plan = planReexecution(defs.manifest().manifest, run.events, "ALL_STEPS");
    expect(plan).toMatchObject({ stepKeys: ["total"], reusedOutputs: [] });
  });

  it("a deps entry on itself (lineage only) orders partitions the same way and is no step edge", () => {
    const marker = asset("marker", { partitions: days, deps: [{ asset: { key: "marker" }, mapping: yesterday() }] }, () => 1);
    const { manifest } = new Definitions({ assets: [marker] }).manifest();
    expect(manifest.assets[0]).toMatchObject({ deps: ["marker"], partitionMappings: { marker: { kind: "time_window" } } });
    expect(manifest.steps[0]).toMatchObject({ deps: [], inputs: [], externalInputs: [] });
  });

  it("multi-partitioned: allowed when its time dimension reads earlier windows", () => {
    const regions = staticPartitions(["eu", "us"]);
    const byDayAndRegion = multiPartitions({ date: days, region: regions });
    const ok = asset(
      "grid",
      {
        partitions: byDayAndRegion,
        ins: { previous: new AssetIn({ key: "grid", mapping: multiPartitionMapping({ date: { mapping: yesterday() }, region: {} }) }) },
      },
      () => 1,
    );
    expect(() => new Definitions({ assets: [ok] })).not.toThrow();
    const same = asset(
      "grid",
      {
        partitions: byDayAndRegion,
        ins: { previous: new AssetIn({ key: "grid", mapping: multiPartitionMapping({ region: { mapping: identityMapping() } }) }) },
      },
      () => 1,
    );
    expect(thrown(() => new Definitions({ assets: [same] })).message).toMatch(/time dimension "date"/);
  });

  it("refuses a self-dependency that would make a partition read itself, or an unpartitioned one, with a clear DefinitionError", () => {
    const cases: [string, () => unknown, RegExp][] = [
      ["unpartitioned", () => asset("me", { ins: { me: { key: "me" } } }, () => 1), /not partitioned/],
      ["no mapping", () => asset("me", { partitions: days, ins: { me: { key: "me" } } }, () => 1), /without a partition mapping/],
      [
        "the same day too",
        () =>
          asset(
            "me",
            { partitions: days, ins: { me: { asset: { key: "me" }, mapping: timeWindowMapping({ startOffset: -1 }) } } },
            () => 1,
          ),
        /startOffset: -1, endOffset: 0 \}\) would make a partition read itself/,
      ],
      [
        "identity",
        () => asset("me", { partitions: days, ins: { me: { asset: { key: "me" }, mapping: identityMapping() } } }, () => 1),
        /identity mapping would make a partition read itself/,
      ],
      [
        "static partitions",
        () =>
          asset("me", { partitions: staticPartitions(["a", "b"]), ins: { me: { asset: { key: "me" }, mapping: yesterday() } } }, () => 1),
        /static partitions have no time order/,
      ],
    ];
    for (const [name, make, message] of cases) {
      const error = thrown(() => new Definitions({ assets: [make() as ReturnType<typeof runningTotal>] }));
      expect({ name, code: error.code }).toEqual({ name, code: "self_dependency" });
      expect(error.message).toMatch(/^asset "me": depends on itself/);
      expect(error.message).toMatch(message);
    }
  });
});
