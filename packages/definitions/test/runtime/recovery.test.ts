import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { e2eSuite, fixture, waitFor } from "./harness.js";

const defs = fixture("recovery-defs.ts");
const suite = e2eSuite({ STRATA_RUN_LEASE_SECONDS: "2" });

const calls = (dir: string, name: string) => {
  try {
    return readFileSync(join(dir, "calls", name), "utf8")
      .trim()
      .split("\n");
  } catch {
    return [];
  }
};

describe("a location killed mid-run (kill -9)", () => {
  it("fails the run within the lease, keeps every event it reported, and a re-execution on a new worker finishes without redoing what succeeded", async () => {
    const dir = await suite.dir();
    const { strata } = suite;
    const worker = await suite.startWorker(defs, "recovery", { args: ["--lease-seconds", "2"] });
    const runId = await strata.launch(["first", "second", "third"]);
    // Kill it while `second` is running, `first` done.
    await waitFor(
      async () => {
        const run = await strata.run(runId);
        return run.steps.some((s) => s.stepKey === "second" && s.status === "RUNNING") && run;
      },
      20_000,
      () => "second never started",
    );
    const before = (await strata.run(runId)).events;
    worker.process.kill("SIGKILL");
    const killedAt = Date.now();

    const failed = await strata.waitForRun(runId, ["FAILURE"], 15_000);
    // Lease (2 s) plus one monitor tick (1 s), with room for a busy machine.
    expect(Date.now() - killedAt).toBeLessThan(8_000);
    const seqs = failed.events.map((e) => e.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    expect(failed.events.slice(0, before.length)).toEqual(before);
    expect(failed.events.at(-1)!.type).toBe("RUN_FAILURE");
    expect(failed.steps).toEqual([
      { stepKey: "first", status: "SUCCESS", attempts: 1 },
      { stepKey: "second", status: "FAILURE", attempts: 1 },
      // Never started: skipped, as the executor would have reported it.
      { stepKey: "third", status: "SKIPPED", attempts: 0 },
    ]);

    writeFileSync(join(dir, "release-second"), "");
    await suite.startWorker(defs, "recovery");
    const childId = await strata.reexecute(runId, "FROM_FAILURE");
    const child = await strata.waitForRun(childId);
    expect(child.status).toBe("SUCCESS");
    expect(child.steps.map((s) => s.stepKey)).toEqual(["second", "third"]);
    // `first` ran once, in the killed run; its value was loaded from storage.
    expect(calls(dir, "first")).toHaveLength(1);
    expect(calls(dir, "third")).toHaveLength(1);
    expect(await strata.latestMaterializationRun("first")).toBe(runId);
    expect(await strata.latestMaterializationRun("third")).toBe(childId);
  });
});

describe("a multi-asset that fails after yielding one output", () => {
  it("fails the run with that output materialized; FROM_ASSET_FAILURE finishes the rest without recomputing it", async () => {
    const dir = await suite.dir();
    const { strata } = suite;
    await suite.startWorker(defs, "recovery");
    writeFileSync(join(dir, "fail-two"), "");
    const runId = await strata.launch(["asset_one", "asset_two", "after_one", "after_two"]);
    const failed = await strata.waitForRun(runId);
    expect(failed.status).toBe("FAILURE");
    expect(await strata.latestMaterializationRun("asset_one")).toBe(runId);
    expect(await strata.latestMaterializationRun("asset_two")).toBeNull();
    // What needs only asset_one still ran; what needs asset_two did not.
    expect(await strata.latestMaterializationRun("after_one")).toBe(runId);
    expect(failed.steps).toEqual(
      expect.arrayContaining([
        { stepKey: "split", status: "FAILURE", attempts: 1 },
        { stepKey: "after_one", status: "SUCCESS", attempts: 1 },
        { stepKey: "after_two", status: "SKIPPED", attempts: 0 },
      ]),
    );

    const { rmSync } = await import("node:fs");
    rmSync(join(dir, "fail-two"));
    const childId = await strata.reexecute(runId, "FROM_ASSET_FAILURE");
    const child = await strata.waitForRun(childId);
    expect(child.status).toBe("SUCCESS");
    const start = await strata.runStart(childId);
    expect(start.assetKeys).toEqual(["after_two", "asset_two"]);
    // The multi-asset ran again for asset_two alone; asset_one and after_one were not recomputed.
    expect(calls(dir, "split").map((line) => line.split(" ")[1])).toEqual(["asset_one,asset_two", "asset_two"]);
    expect(calls(dir, "after_one")).toHaveLength(1);
    expect(await strata.latestMaterializationRun("asset_one")).toBe(runId);
    expect(await strata.latestMaterializationRun("asset_two")).toBe(childId);
    expect(await strata.latestMaterializationRun("after_two")).toBe(childId);
  });
});
