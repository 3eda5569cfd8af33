import { DAILY_JANUARY_UTC } from "@strata/server/testing";
import { manifestOf } from "@strata/server/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWorkerClient } from "@strata/sdk";
import { runCli, startCli } from "../testing/run-cli.js";
import { startTestServer, type TestServer } from "../testing/test-server.js";

const DAILY = DAILY_JANUARY_UTC;

let t: TestServer;
let as: string[];
beforeAll(async () => {
  t = await startTestServer();
  // No location process: the runs stay queued, which is all these commands need.
  await t.client.registerCodeLocation({
    name: "fills",
    ...manifestOf([
      { key: "fills/raw", partitions: DAILY },
      { key: "fills/clean", deps: ["fills/raw"], partitions: DAILY },
    ]),
  });
  as = await t.as("read", "launch");
});
afterAll(() => t.close());

describe("strata backfill", () => {
  it("previews with --dry-run, launches, shows status, cancels and retries", async () => {
    const range = ["fills/raw", "fills/clean", "--from", "2024-01-01", "--to", "2024-01-06", "--chunk", "2"];
    const dry = await runCli(["backfill", "launch", ...range, "--dry-run", ...as]);
    expect(dry).toMatchObject({ code: 0, stderr: "" });
    expect(dry.stdout).toContain("3 runs would be created (at most 2 partitions per run):");
    expect(dry.stdout).toContain("#2  fills/raw, fills/clean  2024-01-05 .. 2024-01-06 (2)");
    expect((await t.client.backfills()).items).toHaveLength(0);

    const launched = await runCli(["backfill", "launch", ...range, "--title", "January", "--json", ...as]);
    expect(launched.code).toBe(0);
    const { id, runCount } = JSON.parse(launched.stdout);
    expect(runCount).toBe(3);

    const status = await runCli(["backfill", "status", id, ...as]);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`${id}  REQUESTED  January`);
    expect(status.stdout).toContain("runs: 3 planned, 3 launched");
    expect(status.stdout).toMatch(/fills\/clean {2}▒+ {2}0\/6 materialized, 6 in progress/);

    const canceled = await runCli(["backfill", "cancel", id, ...as]);
    expect(canceled.code).toBe(0);
    expect(canceled.stdout).toContain(`${id}  CANCELED  January`);
    const watched = await runCli(["backfill", "status", id, "--watch", ...as]);
    expect(watched.code).toBe(1);

    const retried = await runCli(["backfill", "retry", id, ...as]);
    expect(retried.code).toBe(0);
    expect(retried.stdout).toContain(`retry of ${id}`);
    expect(retried.stdout).toContain("runs: 3 planned, 3 launched");

    const refused = await runCli(["backfill", "launch", "fills/raw", "--from", "2024-01-01", "--to", "2024-02-01", ...as]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('"2024-02-01"');
    const usage = await runCli(["backfill", "launch", "fills/raw", "--all", "--chunk", "2", "--single-run", ...as]);
    expect(usage.code).toBe(2);
    // The retry's runs would be claimed first by the next test's worker.
    for (const b of (await t.client.backfills({ status: ["REQUESTED"] })).items) await t.client.cancelBackfill(b.id);
  });

  it("status --watch follows a backfill until its last run ends, and exits 0 for COMPLETED_SUCCESS", async () => {
    const launched = await t.client.launchBackfill({ assetKeys: ["fills/raw"], keys: ["2024-01-20"] });
    const watching = startCli(["backfill", "status", launched.id, "--watch", ...as]);
    await watching.waitFor(/REQUESTED/);
    // A worker of the location runs it: the server admits it, the worker claims it and reports its end.
    const worker = createWorkerClient({ url: t.url, token: await t.token("location:fills") });
    let run = null;
    for (let i = 0; i < 100 && !run; i++) {
      run = await worker.claimRun({ location: "fills", workerId: "cli-test", waitSeconds: 1 });
    }
    expect(run?.partitionKey).toBe("2024-01-20");
    const start = {
      runId: run!.id,
      stepKeys: run!.stepKeys,
      assetKeys: run!.assetKeys,
      parentRunId: null,
      rootRunId: null,
      strategy: null,
      reusedOutputs: [],
    };
    await worker.reportRunEvents({
      runId: run!.id,
      workerId: "cli-test",
      events: [
        { seq: 1, type: "RUN_START", timestamp: Date.now(), payload: start },
        { seq: 2, type: "RUN_SUCCESS", timestamp: Date.now(), payload: { durationMs: 1 } },
      ],
    });
    expect(await watching.exited).toBe(0);
    expect(watching.stdout).toContain(`${launched.id}  COMPLETED_SUCCESS`);
  });
});
