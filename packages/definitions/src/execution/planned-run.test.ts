import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AssetOut } from "../authoring/asset-out.js";
import { asset } from "../authoring/asset.js";
import { Definitions } from "../authoring/definitions.js";
import type { RunEvent } from "./events.js";
import { FilesystemIOManager } from "../io/filesystem-io-manager.js";
import { multiAsset } from "../authoring/multi-asset.js";
import { executeRun } from "./run-executor.js";
import type { PlannedRun } from "./planned-run.js";
import { SelectionError } from "@strata/protocol";
import { countedSum } from "../testing/counted-sum.js";

let baseDir: string;
beforeEach(async () => {
  baseDir = await mkdtemp(join(tmpdir(), "strata-plan-"));
});
afterEach(async () => {
  await rm(baseDir, { recursive: true, force: true });
});

async function run(defs: Definitions, options: Parameters<typeof executeRun>[1]) {
  const events: RunEvent[] = [];
  const outcome = await executeRun(defs, { ...options, sink: (e) => void events.push(e) });
  return { outcome, events };
}

describe("executeRun with a server's plan", () => {
  it("runs exactly the planned steps and loads reused op outputs from the run that stored them", async () => {
    const { summed, counts } = countedSum();
    const storage = new FilesystemIOManager({ baseDir });
    const defs = new Definitions({ assets: [summed], ioManagers: { io_manager: storage } });
    await run(defs, { runId: "root" });

    const plan = {
      stepKeys: ["summed.total"],
      assetKeys: ["summed"],
      reusedOutputs: [{ stepKey: "summed.load", output: "result", runId: "root" }],
      parentRunId: "child",
      rootRunId: "root",
      strategy: "ALL_STEPS" as const,
    };
    const { outcome, events } = await run(defs, { runId: "grandchild", plan });

    expect(outcome).toMatchObject({ status: "SUCCESS", steps: { "summed.total": "success" } });
    expect({ loads: counts.loads, totals: counts.totals }).toEqual({ loads: 1, totals: 2 });
    expect(events[0]).toMatchObject({ type: "RUN_START", payload: { runId: "grandchild", ...plan } });
    expect(events.filter((e) => e.type === "STEP_START").map((e) => e.stepKey)).toEqual(["summed.total"]);
  });

  it("loads a reused asset by its key and materializes only the planned assets of a subsettable multi-asset", async () => {
    const selected: string[][] = [];
    const pair = multiAsset({ name: "pair", outs: { first: new AssetOut(), second: new AssetOut() }, canSubset: true }, (_, ctx) => {
      selected.push([...ctx.selectedOutputNames]);
      return { first: 1, second: 2 };
    });
    const sum = asset(
      "sum",
      { ins: { first: pair.out.first, second: pair.out.second } },
      ({ first, second }) => Number(first) + Number(second),
    );
    const defs = new Definitions({ assets: [pair, sum], ioManagers: { io_manager: new FilesystemIOManager({ baseDir }) } });
    await run(defs, { runId: "first" });

    const { outcome, events } = await run(defs, {
      runId: "second",
      plan: {
        stepKeys: ["pair", "sum"],
        assetKeys: ["second", "sum"],
        reusedOutputs: [{ stepKey: "pair", output: "first", runId: "first" }],
      },
    });

    expect(outcome.status).toBe("SUCCESS");
    expect(selected).toEqual([["first", "second"], ["second"]]);
    expect(events.filter((e) => e.type === "ASSET_MATERIALIZATION").map((e) => e.assetKey)).toEqual(["second", "sum"]);
  });

  it("refuses, before any event, a plan the code no longer matches", async () => {
    const both = multiAsset({ name: "both", outs: { one: new AssetOut(), two: new AssetOut() } }, () => ({ one: 1, two: 2 }));
    const defs = new Definitions({ assets: [both], ioManagers: { io_manager: new FilesystemIOManager({ baseDir }) } });
    const events: RunEvent[] = [];
    const attempt = (plan: PlannedRun) => executeRun(defs, { plan, sink: (e) => void events.push(e) });

    await expect(attempt({ stepKeys: ["gone"] })).rejects.toMatchObject({ name: "SelectionError", code: "unknown_step" });
    await expect(attempt({ stepKeys: ["both"], assetKeys: ["one", "elsewhere"] })).rejects.toMatchObject({ code: "unknown_asset" });
    await expect(attempt({ stepKeys: ["both"], assetKeys: ["one"] })).rejects.toMatchObject({ code: "partial_multi_asset" });
    await expect(attempt({ stepKeys: ["both"], reusedOutputs: [{ stepKey: "gone", output: "result", runId: "x" }] })).rejects.toThrow(
      SelectionError,
    );
    await expect(executeRun(defs, { plan: { stepKeys: ["both"] }, stepKeys: ["both"] })).rejects.toThrow(TypeError);
    expect(events).toEqual([]);
  });
});
