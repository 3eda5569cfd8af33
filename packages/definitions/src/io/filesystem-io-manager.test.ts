import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { asset } from "../authoring/asset.js";
import { Definitions } from "../authoring/definitions.js";
import { FilesystemIOManager } from "./filesystem-io-manager.js";
import { graphAsset } from "../authoring/graph-asset.js";
import { materialize } from "../execution/materialize.js";
import { op } from "../authoring/op.js";
import type { Serializer } from "./serializer.js";
import { singleRun } from "../authoring/backfill-policy.js";
import { timeWindowMapping } from "../authoring/partition-mapping.js";
import { dailyPartitions, hourlyPartitions, multiPartitions, staticPartitions } from "../authoring/partitions.js";

let baseDir: string;
beforeEach(async () => {
  baseDir = await mkdtemp(join(tmpdir(), "strata-fs-io-"));
});
afterEach(async () => {
  await rm(baseDir, { recursive: true, force: true });
});

describe("FilesystemIOManager", () => {
  it("stores an asset as JSON at its key path and loads it back for downstream assets", async () => {
    const orders = asset({ key: "sales/orders" }, () => [{ id: 1, total: 9.5 }]);
    const count = asset("count", { ins: { orders } }, ({ orders }) => orders.length);
    const io = new FilesystemIOManager({ baseDir });

    const result = await materialize([orders, count], { ioManagers: { io_manager: io } });

    expect(result.success).toBe(true);
    expect(JSON.parse(await readFile(join(baseDir, "sales", "orders.json"), "utf8"))).toEqual([{ id: 1, total: 9.5 }]);
    expect(await readFile(join(baseDir, "count.json"), "utf8")).toBe("1");
    const materialization = result.materializations.find((m) => m.assetKey === "sales/orders")!;
    expect(materialization.metadata.path).toEqual({ type: "path", value: join(baseDir, "sales", "orders.json") });
  });

  it("stores op outputs per run and step, leaving no temporary files behind", async () => {
    const first = op("first", () => "intermediate");
    const second = op("second", (v: string) => `${v}!`);
    const g = graphAsset("g", () => second(first()));

    const result = await materialize([g], { ioManagers: { io_manager: new FilesystemIOManager({ baseDir }) }, runId: "run-7" });

    expect(await readFile(join(baseDir, ".runs", "run-7", "g.first", "result.json"), "utf8")).toBe('"intermediate"');
    expect(result.outputFor(g)).toBe("intermediate!");
    expect((await readdir(join(baseDir, ".runs", "run-7", "g.first"))).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("round-trips undefined and accepts a pluggable serializer", async () => {
    const nothing = asset("nothing", () => undefined);
    const after = asset("after", { ins: { nothing } }, ({ nothing }) => nothing === undefined);
    const text: Serializer = {
      extension: ".txt",
      serialize: (value) => `value:${String(value)}`,
      deserialize: (data) => data.toString("utf8").slice("value:".length),
    };
    const greeting = asset("greeting", () => "hi");
    const echoed = asset("echoed", { ins: { greeting } }, ({ greeting }) => greeting);

    const json = await materialize([nothing, after], { ioManagers: { io_manager: new FilesystemIOManager({ baseDir }) } });
    const custom = await materialize([greeting, echoed], {
      ioManagers: { io_manager: new FilesystemIOManager({ baseDir, serializer: text }) },
    });

    expect(json.outputFor(after)).toBe(true);
    expect(await readFile(join(baseDir, "greeting.txt"), "utf8")).toBe("value:hi");
    expect(custom.outputFor(echoed)).toBe("hi");
  });

  it("is the default of Definitions, under .strata/storage", () => {
    const defs = new Definitions({ assets: [asset("x", () => 1)] });
    const io = defs.ioManagers.io_manager as FilesystemIOManager;
    expect(io).toBeInstanceOf(FilesystemIOManager);
    expect(io.baseDir).toBe(join(process.cwd(), ".strata", "storage"));
  });

  it("fails the consuming step with a clear error when nothing was stored", async () => {
    const upstream = asset("never_stored", () => 1);
    const downstream = asset("needs_it", { ins: { upstream } }, ({ upstream }) => upstream);
    const defs = new Definitions({ assets: [upstream, downstream], ioManagers: { io_manager: new FilesystemIOManager({ baseDir }) } });

    const result = await materialize(defs, { selection: [downstream] });

    expect(result.events.find((e) => e.type === "STEP_FAILURE")?.message).toMatch(/^Error in IO manager "io_manager": ENOENT/);
  });
});

describe("FilesystemIOManager with partitions", () => {
  const days = dailyPartitions({ start: "2024-01-01" });

  it("writes one file per partition and reads it back in a later run", async () => {
    const a = asset("a", { keyPrefix: "raw", partitions: days }, (_, ctx) => ({ day: ctx.partition!.key }));
    const b = asset("b", { partitions: days, ins: { a: { asset: a, mapping: timeWindowMapping({ startOffset: -1 }) } } }, ({ a }) => a);
    const defs = new Definitions({ assets: [a, b], ioManagers: { io_manager: new FilesystemIOManager({ baseDir }) } });

    const first = await materialize(defs, { selection: [a], partition: "2024-01-01" });
    await materialize(defs, { selection: [a], partition: "2024-01-02" });
    const later = await materialize(defs, { selection: [b], partition: "2024-01-02" });

    expect((await readdir(join(baseDir, "raw", "a"))).sort()).toEqual(["2024-01-01.json", "2024-01-02.json"]);
    expect(JSON.parse(await readFile(join(baseDir, "raw", "a", "2024-01-02.json"), "utf8"))).toEqual({ day: "2024-01-02" });
    expect(first.materializations[0]!.metadata.path).toEqual({ type: "path", value: join(baseDir, "raw", "a", "2024-01-01.json") });
    expect(later.outputFor(b)).toEqual({ "2024-01-01": { day: "2024-01-01" }, "2024-01-02": { day: "2024-01-02" } });
  });

  it("splits a range run's record into files, with hourly and multi keys as safe paths", async () => {
    const io = new FilesystemIOManager({ baseDir });
    const hours = hourlyPartitions({ start: "2024-01-01" });
    const hourly = asset("hourly", { partitions: hours, backfillPolicy: singleRun() }, (_, ctx) =>
      Object.fromEntries(ctx.partition!.keys.map((k) => [k, k])),
    );
    const cells = asset("cells", { partitions: multiPartitions({ date: days, region: staticPartitions(["eu", "us"]) }) }, () => 1);

    await materialize([hourly], { ioManagers: { io_manager: io }, partitionRange: { from: "2024-01-01-00:00", to: "2024-01-01-02:00" } });
    await materialize([cells], { ioManagers: { io_manager: io }, partition: "2024-01-01|eu" });

    expect((await readdir(join(baseDir, "hourly"))).sort()).toEqual([
      "2024-01-01-00%3A00.json",
      "2024-01-01-01%3A00.json",
      "2024-01-01-02%3A00.json",
    ]);
    expect(await readFile(io.pathFor({ runId: null, stepKey: null, outputName: null, assetKey: ["cells"] }, "2024-01-01|eu"), "utf8")).toBe(
      "1",
    );
    expect(io.pathFor({ runId: null, stepKey: null, outputName: null, assetKey: ["cells"] }, "2024-01-01|eu")).toBe(
      join(baseDir, "cells", "2024-01-01", "eu.json"),
    );
    expect(io.pathFor({ runId: null, stepKey: null, outputName: null, assetKey: ["s"] }, "..")).toBe(join(baseDir, "s", "%2E%2E.json"));
  });
});
