import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { e2eSuite, fixture, waitFor } from "./harness.js";

const seedDefs = fileURLToPath(new URL("../../../../examples/seed/defs.ts", import.meta.url));

const suite = e2eSuite({ STRATA_MAX_CONCURRENT_RUNS: "0" });
const startWorker = suite.startWorker;

const stored = async (key: string) =>
  JSON.parse(await readFile(join(await suite.dir(), ".strata", "storage", `${key}.json`), "utf8")) as unknown;
const types = (events: { type: string }[]) => events.map((e) => e.type);

describe("serve(): a code location executing runs launched on the server", () => {
  it("materializes the seed's three examples with the seed's values", async () => {
    const worker = await startWorker(seedDefs, "seed");
    expect(worker.workerId).toMatch(/^[A-Za-z0-9_.-]+:\d+:[0-9a-f]+$/);

    const started = Date.now();
    const runIds = await Promise.all(
      [["my_data_asset"], ["asset_one", "asset_two"], ["complex_asset"]].map((keys) => suite.strata.launch(keys)),
    );
    const runs = await Promise.all(runIds.map((id) => suite.strata.waitForRun(id)));
    const elapsed = Date.now() - started;

    expect(runs.map((r) => r.status)).toEqual(["SUCCESS", "SUCCESS", "SUCCESS"]);
    expect(runs.map((r) => r.steps.map((s) => [s.stepKey, s.status]))).toEqual([
      [["my_data_asset", "SUCCESS"]],
      [["my_multi_asset", "SUCCESS"]],
      [
        ["complex_asset.step_one", "SUCCESS"],
        ["complex_asset.step_two", "SUCCESS"],
      ],
    ]);
    expect(runs.every((r) => r.workerId === worker.workerId)).toBe(true);
    expect(types(runs[2]!.events)).toEqual([
      "RUN_START",
      ...["STEP_START", "STEP_OUTPUT", "STEP_SUCCESS"],
      ...["STEP_START", "STEP_OUTPUT", "ASSET_MATERIALIZATION", "STEP_SUCCESS"],
      "RUN_SUCCESS",
    ]);
    for (const [key, runId] of [
      ["my_data_asset", runIds[0]],
      ["asset_one", runIds[1]],
      ["asset_two", runIds[1]],
      ["complex_asset", runIds[2]],
    ] as const) {
      expect(await suite.strata.latestMaterializationRun(key)).toBe(runId);
    }
    expect(await stored("my_data_asset")).toEqual({ key: "value" });
    expect(await stored("asset_one")).toBe("value1");
    expect(await stored("asset_two")).toBe("value2");
    expect(await stored("complex_asset")).toBe("final_intermediate_value");
    const toStart = await Promise.all(runIds.map((id) => suite.strata.launchToStartMs(id)));
    process.stderr.write(`[serve e2e] 3 seed runs launched → SUCCESS in ${elapsed} ms; launch → RUN_START ${toStart.join(", ")} ms\n`);
  });

  it("retries a graph asset's op under its retry policy and records each attempt", async () => {
    await startWorker(fixture("retrying-defs.ts"), "retrying");

    const run = await suite.strata.waitForRun(await suite.strata.launch(["retried"]));

    expect(run.status).toBe("SUCCESS");
    const flaky = run.events.filter((e) => e.stepKey === "retried.flaky").map((e) => e.type);
    expect(flaky).toEqual([
      "STEP_START",
      "STEP_UP_FOR_RETRY",
      "STEP_RESTARTED",
      "STEP_UP_FOR_RETRY",
      "STEP_RESTARTED",
      "STEP_OUTPUT",
      "STEP_SUCCESS",
    ]);
    expect(run.steps).toContainEqual({ stepKey: "retried.flaky", status: "SUCCESS", attempts: 3 });
  });

  it("cancels a running run when it is terminated on the server", async () => {
    await startWorker(fixture("slow-defs.ts"), "slow");
    const runId = await suite.strata.launch(["slow"]);
    await waitFor(
      async () => (await suite.strata.run(runId)).events.some((e) => e.type === "LOG"),
      20_000,
      () => "the slow step never started",
    );

    const asked = Date.now();
    expect(await suite.strata.terminate(runId)).toBe("CANCELING");
    const run = await suite.strata.waitForRun(runId, ["CANCELED", "FAILURE", "SUCCESS"]);
    const elapsed = Date.now() - asked;

    expect(run.status).toBe("CANCELED");
    // The step the termination interrupted was canceled, in its event and its status.
    expect(types(run.events).slice(-2)).toEqual(["STEP_CANCELED", "RUN_CANCELED"]);
    expect(run.steps.map(({ stepKey, status }) => ({ stepKey, status }))).toEqual([{ stepKey: "slow", status: "CANCELED" }]);
    process.stderr.write(`[serve e2e] terminateRun → CANCELED in ${elapsed} ms\n`);
  });

  it("shares 20 queued runs between two replicas, each run executed exactly once", async () => {
    const countDir = join(await suite.dir(), "counts");
    const options = { args: ["--concurrency", "2"], env: { COUNT_DIR: countDir } };
    // Register the location, then stop its worker so that the runs queue up with nobody claiming.
    const registrar = await startWorker(fixture("counting-defs.ts"), "counting", options);
    expect(await registrar.stop()).toBe(0);
    const runIds = await Promise.all(Array.from({ length: 20 }, () => suite.strata.launch(["counted"])));
    await waitFor(
      async () => (await Promise.all(runIds.map((id) => suite.strata.run(id)))).every((r) => r.status === "STARTING"),
      10_000,
      () => "runs never became STARTING",
    );

    const started = Date.now();
    const [a, b] = await Promise.all([
      startWorker(fixture("counting-defs.ts"), "counting", options),
      startWorker(fixture("counting-defs.ts"), "counting", options),
    ]);
    const runs = await Promise.all(runIds.map((id) => suite.strata.waitForRun(id, undefined, 60_000)));
    const elapsed = Date.now() - started;

    expect(runs.map((r) => r.status)).toEqual(runIds.map(() => "SUCCESS"));
    expect(registrar.log.join("\n")).toContain("stopped after 0 run(s)");
    expect(runs.map((r) => types(r.events).filter((t) => t === "RUN_START").length)).toEqual(runIds.map(() => 1));
    const executions = await Promise.all(runIds.map(async (id) => (await readFile(join(countDir, id), "utf8")).trim().split("\n").length));
    expect(executions).toEqual(runIds.map(() => 1));
    expect((await readdir(countDir)).sort()).toEqual([...runIds].sort());
    const byWorker = new Set(runs.map((r) => r.workerId));
    expect(byWorker).toEqual(new Set([a!.workerId, b!.workerId]));

    expect(await Promise.all([a!.stop(), b!.stop()])).toEqual([0, 0]);
    process.stderr.write(
      `[serve e2e] 20 queued runs on 2 replicas (concurrency 2 each), from spawning them → all SUCCESS in ${elapsed} ms\n`,
    );
  });

  it("reports definitions that fail to load, and exits", async () => {
    const worker = await suite.startWorker(fixture("broken-defs.ts"), "broken", { ready: false });

    expect(await worker.exited).toBe(1);
    const location = await suite.strata.codeLocation("broken");
    expect(location?.status).toBe("LOAD_ERROR");
    expect(location?.loadError).toContain("DefinitionError");
    expect(location?.loadError).toContain("twice");
  });

  it("reports a run's thousands of events in order, in batches", async () => {
    const worker = await startWorker(fixture("chatty-defs.ts"), "chatty", { env: { LOG_LINES: "5000" } });

    const started = Date.now();
    const runId = await suite.strata.launch(["chatty"]);
    const run = await suite.strata.waitForRun(runId);
    const elapsed = Date.now() - started;

    expect(run.status).toBe("SUCCESS");
    const { run: stored } = await suite.strata.graphql<{ run: { lastEventSeq: number } }>(
      `query ($id: ID!) { run(id: $id) { ... on Run { lastEventSeq } } }`,
      { id: runId },
    );
    expect(stored.lastEventSeq).toBe(5_006);
    const ended = worker.log.find((line) => line.includes(`run ${runId} ended`))!;
    const { events, requests } = JSON.parse(ended.slice(ended.indexOf("{"))) as { events: number; requests: number };
    // Every event but RUN_START, which the server stored with the claim.
    expect(events).toBe(5_005);
    expect(requests).toBeLessThanOrEqual(40);
    process.stderr.write(
      `[serve e2e] a run of ${events} events: launch → SUCCESS in ${elapsed} ms, ${requests} reportRunEvents requests\n`,
    );
  });

  it("pipelines reports of small batches: every event stored once, in seq order, with requests overlapping", async () => {
    const worker = await startWorker(fixture("chatty-defs.ts"), "chatty", {
      args: ["--report-batch", "100"],
      env: { LOG_LINES: "3000" },
    });

    const runId = await suite.strata.launch(["chatty"]);
    const run = await suite.strata.waitForRun(runId);

    expect(run.status).toBe("SUCCESS");
    const seqs: number[] = [];
    const lines: string[] = [];
    for (let after = 0; ; ) {
      const { run: page } = await suite.strata.graphql<{ run: { events: Array<{ seq: number; type: string; message: string | null }> } }>(
        `query ($id: ID!, $after: Int!) { run(id: $id) { ... on Run { events(after: $after, first: 1000) { seq type message } } } }`,
        { id: runId, after },
      );
      if (page.events.length === 0) break;
      for (const e of page.events) {
        seqs.push(e.seq);
        if (e.type === "LOG" && e.message?.startsWith("line ")) lines.push(e.message);
      }
      after = page.events.at(-1)!.seq;
    }
    expect(seqs).toEqual(Array.from({ length: 3006 }, (_, i) => i + 1));
    // The step's lines in the order it logged them.
    expect(lines).toEqual(Array.from({ length: 3000 }, (_, i) => `line ${i}`));
    const ended = worker.log.find((line) => line.includes(`run ${runId} ended`))!;
    const { events, requests, pipelined } = JSON.parse(ended.slice(ended.indexOf("{"))) as {
      events: number;
      requests: number;
      pipelined: number;
    };
    expect(events).toBe(3005);
    expect(requests).toBeGreaterThanOrEqual(31);
    expect(pipelined).toBeGreaterThan(0);
  });

  /** Launches the slow fixture's asset and resolves once its step has started. */
  async function launchSlowStep(): Promise<string> {
    const runId = await suite.strata.launch(["slow"]);
    await waitFor(
      async () => (await suite.strata.run(runId)).events.some((e) => e.type === "LOG"),
      20_000,
      () => "the slow step never started",
    );
    return runId;
  }

  it("on SIGTERM stops claiming, lets a running run finish within the grace period, then exits", async () => {
    const worker = await startWorker(fixture("slow-defs.ts"), "slow", { env: { SLOW_MS: "800" } });
    const runId = await launchSlowStep();

    expect(await worker.stop()).toBe(0);

    expect((await suite.strata.run(runId)).status).toBe("SUCCESS");
    expect(worker.log.join("\n")).toContain("shutting down: waiting for 1 run(s)");
  });

  it("cancels the runs still going when the grace period ends", async () => {
    const worker = await startWorker(fixture("slow-defs.ts"), "slow", { args: ["--grace-ms", "200"] });
    const runId = await launchSlowStep();

    expect(await worker.stop()).toBe(0);

    expect((await suite.strata.run(runId)).status).toBe("CANCELED");
  });
});
