import { describe, expect, it } from "vitest";
import { AssetOut } from "../authoring/asset-out.js";
import { asset } from "../authoring/asset.js";
import { multiAsset } from "../authoring/multi-asset.js";
import { singleRun } from "../authoring/backfill-policy.js";
import { Definitions } from "../authoring/definitions.js";
import { graphAsset } from "../authoring/graph-asset.js";
import { op } from "../authoring/op.js";
import { allPartitionsMapping, timeWindowMapping } from "../authoring/partition-mapping.js";
import { dailyPartitions, dynamicPartitions, multiPartitions, staticPartitions } from "../authoring/partitions.js";
import type { OpContext, PartitionContext } from "../authoring/step-context.js";
import { InMemoryIOManager } from "../io/in-memory-io-manager.js";
import { executeRun } from "./run-executor.js";
import { materialize } from "./materialize.js";
import { RunPartitionsError } from "./run-partitions-error.js";

const days = dailyPartitions({ start: "2024-01-01", timezone: "Europe/Berlin" });

async function rejection(run: Promise<unknown>): Promise<RunPartitionsError> {
  const error = await run.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof RunPartitionsError)) throw new Error(`expected a RunPartitionsError, got ${String(error)}`);
  return error;
}

describe("a partitioned run", () => {
  it("gives a single-partition run its key and Berlin time window, and materializes that partition", async () => {
    const seen: (PartitionContext | null)[] = [];
    const events = asset("events", { partitions: days }, (_, ctx) => {
      seen.push(ctx.partition);
      return `events of ${ctx.partition!.key}`;
    });
    const memory = new InMemoryIOManager();

    const result = await materialize([events], { partition: "2024-03-01", ioManagers: { io_manager: memory } });

    expect(result.success).toBe(true);
    expect(seen).toEqual([
      {
        key: "2024-03-01",
        keys: ["2024-03-01"],
        range: { start: "2024-03-01", end: "2024-03-01" },
        timeWindow: { start: new Date("2024-02-29T23:00:00Z"), end: new Date("2024-03-01T23:00:00Z") },
        dimensions: null,
      },
    ]);
    expect(result.materializations.map((m) => [m.assetKey, m.partition])).toEqual([["events", "2024-03-01"]]);
    expect(memory.get({ assetKey: ["events"] }, "2024-03-01")).toBe("events of 2024-03-01");
    expect(memory.has({ assetKey: ["events"] })).toBe(false);
  });

  it("runs a single-run asset once over a range, storing and materializing each of its 90 partitions", async () => {
    let calls = 0;
    let range: PartitionContext["range"] | null = null;
    let window: PartitionContext["timeWindow"] = null;
    const events = asset("events", { partitions: days, backfillPolicy: singleRun() }, (_, ctx) => {
      calls++;
      range = ctx.partition!.range;
      window = ctx.partition!.timeWindow;
      return Object.fromEntries(ctx.partition!.keys.map((key) => [key, key.length]));
    });
    const memory = new InMemoryIOManager();

    const result = await materialize([events], {
      partitionRange: { from: "2024-01-01", to: "2024-03-30" },
      ioManagers: { io_manager: memory },
    });

    expect(result.success).toBe(true);
    expect(calls).toBe(1);
    expect(range).toEqual({ start: "2024-01-01", end: "2024-03-30" });
    expect(window).toEqual({ start: new Date("2023-12-31T23:00:00Z"), end: new Date("2024-03-30T23:00:00Z") });
    expect(result.materializations).toHaveLength(90);
    expect(result.materializations[0]!.partition).toBe("2024-01-01");
    expect(result.materializations[89]!.partition).toBe("2024-03-30");
    expect(result.events.filter((e) => e.type === "STEP_OUTPUT")).toHaveLength(1);
    expect(memory.get({ assetKey: ["events"] }, "2024-02-29")).toBe(10);
  });

  it("fails the step, naming the missing keys, when a range run returns something else than one value per partition", async () => {
    const events = asset("events", { partitions: days }, (_, ctx) => ({ [ctx.partition!.keys[0]!]: 1 }));

    const result = await materialize([events], { partitionRange: { from: "2024-01-01", to: "2024-01-03" } });

    expect(result.success).toBe(false);
    const failure = result.events.find((e) => e.type === "STEP_FAILURE");
    expect(failure?.message).toMatch(/no value for 2024-01-02, 2024-01-03/);
    expect(result.materializations).toEqual([]);
  });

  it("loads the same partition of an identity-mapped upstream, stored by an earlier run", async () => {
    const a = asset("a", { partitions: days }, (_, ctx) => `a@${ctx.partition!.key}`);
    const b = asset("b", { partitions: days, ins: { a } }, ({ a }, ctx) => `${a} → b@${ctx.partition!.key}`);
    const defs = new Definitions({ assets: [a, b] });

    await materialize(defs, { selection: [a], partition: "2024-03-01" });
    await materialize(defs, { selection: [a], partition: "2024-03-02" });
    const result = await materialize(defs, { selection: [b], partition: "2024-03-02" });

    expect(result.outputFor(b)).toBe("a@2024-03-02 → b@2024-03-02");
    expect(result.materializations.map((m) => m.partition)).toEqual(["2024-03-02"]);
  });

  it("gives an input with a startOffset of -1 the two partitions it reads, keyed by partition", async () => {
    const a = asset("a", { partitions: days }, (_, ctx) => ctx.partition!.key!.slice(-2));
    const b = asset("b", { partitions: days, ins: { a: { asset: a, mapping: timeWindowMapping({ startOffset: -1 }) } } }, ({ a }) => a);
    const defs = new Definitions({ assets: [a, b] });

    await materialize(defs, { selection: [a], partition: "2024-03-01" });
    await materialize(defs, { selection: [a], partition: "2024-03-02" });
    const result = await materialize(defs, { selection: [b], partition: "2024-03-02" });

    expect(result.outputFor("b")).toEqual({ "2024-03-01": "01", "2024-03-02": "02" });
  });

  it("fails before anything runs for an unknown key, a partition of nothing partitioned, or a partitioned asset without one", async () => {
    let ran = false;
    const events = asset("events", { partitions: days }, () => {
      ran = true;
      return 1;
    });
    const plain = asset("plain", () => {
      ran = true;
      return 1;
    });
    const delivered: unknown[] = [];
    const defs = new Definitions({ assets: [events, plain], ioManagers: { io_manager: new InMemoryIOManager() } });

    const unknown = await rejection(
      executeRun(defs, { selection: [events], partition: "2023-12-31", sink: (e) => void delivered.push(e) }),
    );
    expect(unknown.code).toBe("unknown_partition");
    expect(unknown.message).toMatch(/no partition "2023-12-31" in "events"/);
    expect(
      (await rejection(materialize(defs, { selection: [events], partitionRange: { from: "2024-01-02", to: "2099-01-01" } }))).code,
    ).toBe("unknown_partition");
    expect((await rejection(materialize(defs, { selection: [plain], partition: "2024-01-01" }))).code).toBe("not_partitioned");
    expect((await rejection(materialize(defs, { selection: [events] }))).code).toBe("missing_partition");
    expect(
      (await rejection(materialize(defs, { selection: [events], partitionRange: { from: "2024-01-02", to: "2024-01-01" } }))).code,
    ).toBe("invalid_range");
    expect(ran).toBe(false);
    expect(delivered).toEqual([]);
  });

  it("runs unpartitioned assets of a partitioned run once, reading a partitioned upstream whole", async () => {
    const regions = staticPartitions(["eu", "us"]);
    const sales = asset("sales", { partitions: regions }, (_, ctx) => (ctx.partition!.key === "eu" ? 10 : 20));
    const total = asset("total", { ins: { sales: { asset: sales, mapping: allPartitionsMapping() } } }, ({ sales }, ctx) => {
      expect(ctx.partition).toBeNull();
      return sales as unknown as Record<string, number>;
    });
    const defs = new Definitions({ assets: [sales, total] });

    await materialize(defs, { selection: [sales], partition: "eu" });
    await materialize(defs, { selection: [sales], partition: "us" });
    const result = await materialize(defs, { selection: [total] });

    expect(result.outputFor(total)).toEqual({ eu: 10, us: 20 });
    expect(result.materializations).toEqual([expect.objectContaining({ assetKey: "total", partition: null })]);
  });

  it("gives the ops of a partitioned graph asset and a multi-partitioned asset their partition", async () => {
    const seen: string[] = [];
    const load = op("load", (ctx: OpContext) => {
      seen.push(`load ${ctx.partition!.key}`);
      return 1;
    });
    const graph = graphAsset("graph", { partitions: days }, () => load());
    const byDayAndRegion = multiPartitions({ region: staticPartitions(["eu", "us"]), date: days });
    const cell = asset("cell", { partitions: byDayAndRegion }, (_, ctx) => ctx.partition!.dimensions);

    await materialize([graph], { partition: "2024-01-05" });
    const result = await materialize([cell], { partition: "2024-01-05|us" });

    expect(seen).toEqual(["load 2024-01-05"]);
    expect(result.outputFor(cell)).toEqual({ date: "2024-01-05", region: "us" });
  });
});

describe("a partitioned multi-asset", () => {
  it("stores and materializes each out per partition", async () => {
    const split = multiAsset({ name: "split", partitions: days, outs: { evens: new AssetOut(), odds: new AssetOut() } }, (_, ctx) => ({
      evens: `evens ${ctx.partition!.key}`,
      odds: `odds ${ctx.partition!.key}`,
    }));
    const memory = new InMemoryIOManager();

    const result = await materialize([split], { partition: "2024-01-02", ioManagers: { io_manager: memory } });

    expect(result.materializations.map((m) => `${m.assetKey}@${m.partition}`)).toEqual(["evens@2024-01-02", "odds@2024-01-02"]);
    expect(memory.get({ assetKey: ["odds"] }, "2024-01-02")).toBe("odds 2024-01-02");
  });
});

describe("the README's Partitions example", () => {
  it("compiles and runs as written", async () => {
    const days = dailyPartitions({ start: "2024-01-01", timezone: "Europe/Berlin" });
    const regions = staticPartitions(["eu", "us"]);

    // singleRun(): a backfill is one run over the whole range, returning one value per partition.
    const raw = asset("raw", { partitions: days, backfillPolicy: singleRun() }, (_, ctx) =>
      Object.fromEntries(ctx.partition!.keys.map((key) => [key, `rows of ${key}`])),
    );
    const rolling = asset(
      "rolling",
      { partitions: days, ins: { raw: { asset: raw, mapping: timeWindowMapping({ startOffset: -6 }) } } }, // the day and the 6 before
      ({ raw }) => Object.keys(raw).length, // several partitions arrive as { [key]: value }
    );
    const byRegion = asset(
      "by_region",
      { partitions: multiPartitions({ date: days, region: regions }) },
      (_, ctx) => ctx.partition!.dimensions,
    );

    const defs = new Definitions({ assets: [raw, rolling, byRegion] });
    await materialize(defs, { selection: [raw], partitionRange: { from: "2024-01-01", to: "2024-01-07" } });
    const week = await materialize(defs, { selection: [rolling], partition: "2024-01-07" });
    const cell = await materialize(defs, { selection: [byRegion], partition: "2024-01-07|eu" });

    expect(week.outputFor(rolling)).toBe(7);
    expect(cell.outputFor(byRegion)).toEqual({ date: "2024-01-07", region: "eu" });
  });
});

describe("edges of partitioned inputs", () => {
  it("gives an empty record when allowNonexistentUpstream drops every upstream window", async () => {
    const later = dailyPartitions({ start: "2024-02-01", timezone: "Europe/Berlin" });
    const a = asset("a", { partitions: later }, () => 1);
    const b = asset(
      "b",
      { partitions: days, ins: { a: { asset: a, mapping: timeWindowMapping({ allowNonexistentUpstream: true }) } } },
      ({ a }) => a,
    );
    const strict = asset("strict", { partitions: days, ins: { a } }, ({ a }) => a);
    const defs = new Definitions({ assets: [a, b, strict] });

    const result = await materialize(defs, { selection: [b], partition: "2024-01-15" });

    expect(result.outputFor(b)).toEqual({});
    const error = await rejection(materialize(defs, { selection: [strict], partition: "2024-01-15" }));
    expect(error.code).toBe("invalid_mapping");
    expect(error.message).toMatch(/input "a" of step "strict".*allowNonexistentUpstream/);
  });

  it("checks dynamic keys when given them, and trusts the run's keys otherwise", async () => {
    const customers = asset("customers", { partitions: dynamicPartitions("customers") }, (_, ctx) => `report for ${ctx.partition!.key}`);

    const trusted = await materialize([customers], { partition: "acme" });
    const checked = await rejection(materialize([customers], { partition: "globex", dynamicPartitions: { customers: ["acme"] } }));

    expect(trusted.outputFor(customers)).toBe("report for acme");
    expect(checked.code).toBe("unknown_partition");
  });
});
