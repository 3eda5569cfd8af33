import { runStartPayload } from "@strata/server/testing";
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { InvalidSelectionError, isRetryable, NotFoundError, NothingToReexecuteError, RunStatusError } from "./errors.js";
import type { RunEvent } from "./runs.js";
import { startTestServer, testManifest, type TestServer } from "./testing/test-server.js";
import { createWorkerClient, type ClaimedRun, type WorkerClient } from "./worker-client.js";

let t: TestServer;
let worker: WorkerClient;
const workerId = "sdk-test-worker";

beforeAll(async () => {
  t = await startTestServer();
  await t
    .client()
    .registerCodeLocation({ name: "shop", ...testManifest([{ key: "shop/orders" }, { key: "shop/revenue", deps: ["shop/orders"] }]) });
  worker = createWorkerClient({ url: t.url, token: await t.token("location:shop") });
});
afterAll(() => t.close());

/** Claims the next run of the location, waiting for the coordinator to make it STARTING. */
async function claim(): Promise<ClaimedRun> {
  for (let i = 0; i < 100; i++) {
    const run = await worker.claimRun({ location: "shop", workerId });
    if (run) return run;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("no run to claim");
}

let seq = 0;
const event = (type: string, message?: string, payload: unknown = {}) => ({ seq: ++seq, type, timestamp: Date.now(), message, payload });
/** RUN_START as the executor writes it; the server plans re-executions from it. */
const runStart = (run: ClaimedRun) => event("RUN_START", undefined, runStartPayload(run));
async function report(runId: string, ...events: Array<ReturnType<typeof event>>) {
  for (let attempt = 1; ; attempt++) {
    try {
      expect(await worker.reportRunEvents({ runId, workerId, events })).toMatchObject({ held: true });
      return;
    } catch (error) {
      // Right after a restart, the first request may go out on a connection the old server
      // closed: a worker retries that, as the runtime's reporter does.
      if (!isRetryable(error) || attempt === 3) throw error;
    }
  }
}

describe("launching and reading runs", () => {
  it("queues a run, shows it by id and in filtered lists", async () => {
    const client = t.client();
    const run = await client.launchRun({ assetKeys: ["shop/orders"], tags: { team: "sales" } });
    try {
      // The coordinator may hand it to the location's workers at once (STARTING).
      expect(["QUEUED", "STARTING"]).toContain(run.status);
      expect(run).toMatchObject({ assetKeys: ["shop/orders"], tags: { team: "sales" }, location: { name: "shop" } });
      const detail = await client.run(run.id);
      expect(detail).toMatchObject({ id: run.id, assetKeys: ["shop/orders"], materializations: [], childRuns: [] });
      expect((await client.runs({ tag: "team=sales" })).items.map((r) => r.id)).toContain(run.id);
      expect((await client.runs({ assetKey: "shop/revenue" })).items.map((r) => r.id)).not.toContain(run.id);
    } finally {
      await client.terminateRun(run.id);
    }
  });

  it("throws InvalidSelectionError naming unknown keys, and NotFoundError for an unknown run", async () => {
    const error = await t
      .client()
      .launchRun({ assetKeys: ["shop/orders", "shop/nope"] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidSelectionError);
    expect(error).toMatchObject({ code: "INVALID_SELECTION", reason: "UNKNOWN_ASSETS", keys: ["shop/nope"] });
    await expect(t.client().run("00000000-0000-0000-0000-000000000000")).rejects.toBeInstanceOf(NotFoundError);
  });

  it("previews a launch's steps in order, and its refusal, without queuing anything", async () => {
    const client = t.client();
    const before = (await client.runs()).items.length;
    const plan = await client.planRun({ assetKeys: ["shop/revenue", "shop/orders"] });
    expect(plan).toMatchObject({ location: "shop", assetKeys: ["shop/orders", "shop/revenue"], partitionKey: null });
    const order = plan.steps.map((s) => s.key);
    expect(order.indexOf("shop__orders")).toBeLessThan(order.indexOf("shop__revenue"));
    const error = await client.planRun({ assetKeys: ["shop/nope"] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidSelectionError);
    expect(error).toMatchObject({ reason: "UNKNOWN_ASSETS", keys: ["shop/nope"] });
    expect((await client.runs()).items.length).toBe(before);
  });

  it("terminates a waiting run at once, and refuses to terminate it twice", async () => {
    const client = t.client();
    const run = await client.launchRun({ assetKeys: ["shop/revenue"] });
    expect((await client.terminateRun(run.id)).status).toBe("CANCELED");
    const error = await client.terminateRun(run.id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunStatusError);
    expect(error).toMatchObject({ runId: run.id, status: "CANCELED" });
  });
});

describe("launchRun({ unsyncedOnly: true })", () => {
  it("launches only the unsynced and missing assets, and throws NOTHING_UNSYNCED when all are synced", async () => {
    const client = t.client();
    const keys = ["stale/a", "stale/b", "stale/c"];
    await client.registerCodeLocation({
      name: "stale",
      ...testManifest([{ key: "stale/a" }, { key: "stale/b", deps: ["stale/a"] }, { key: "stale/c" }]),
    });
    await client.reportMaterialization({ assetKey: "stale/a", dataVersion: "1" });
    await client.reportMaterialization({ assetKey: "stale/b" });
    await client.reportMaterialization({ assetKey: "stale/a", dataVersion: "2" });
    // b read a's version 1 (UNSYNCED); c was never materialized (MISSING).
    const run = await client.launchRun({ assetKeys: keys, unsyncedOnly: true });
    try {
      expect(run.assetKeys).toEqual(["stale/b", "stale/c"]);
    } finally {
      await client.terminateRun(run.id);
    }
    await client.reportMaterialization({ assetKey: "stale/b" });
    await client.reportMaterialization({ assetKey: "stale/c" });
    const error = await client.launchRun({ assetKeys: keys, unsyncedOnly: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidSelectionError);
    expect(error).toMatchObject({ reason: "NOTHING_UNSYNCED", keys, message: "Every selected asset is SYNCED: nothing to launch" });
  });
});

describe("runEvents", () => {
  it("delivers a run's log exactly once and in order across a server restart, and ends with the run", async () => {
    const client = t.client();
    const run = await client.launchRun({ assetKeys: ["shop/orders", "shop/revenue"] });
    const claimed = await claim();
    expect(claimed.id).toBe(run.id);
    seq = 0;
    await report(run.id, runStart(claimed), event("LOG", "one"));

    const statuses = client.runStatusChanged({ runId: run.id });
    const connected: Array<() => void> = [];
    // A slow first retry, so the events reported right after the restart are stored before the
    // subscription reconnects: they must come from the server's replay, not live.
    const events = client.runEvents(run.id, {
      minDelayMs: 600,
      maxDelayMs: 600,
      onStatus: (s) => s.state === "connected" && connected.shift()?.(),
    });
    const seen: RunEvent[] = [];
    const take = async (n: number) => {
      while (seen.length < n) {
        const next = await events.next();
        if (next.done) break;
        seen.push(next.value);
      }
    };
    await take(2);
    // RUN_START was stored with the claim, in the server's words; the worker's own was a resend.
    expect(seen.map((e) => [e.seq, e.type, e.message])).toEqual([
      [1, "RUN_START", `run ${run.id} started: 2 step(s)`],
      [2, "LOG", "one"],
    ]);

    const pending = take(5);
    const reconnected = new Promise<void>((resolve) => connected.push(resolve));
    await t.restart();
    await report(run.id, event("LOG", "while away"), event("LOG", "still away"));
    await reconnected;
    await report(run.id, event("LOG", "live again"));
    await pending;

    await report(run.id, event("RUN_SUCCESS", undefined, { durationMs: 42 }));
    for await (const e of events) seen.push(e); // ends after the run's last event
    expect(seen.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(seen.map((e) => (e.seq === 1 ? e.type : (e.message ?? e.type)))).toEqual([
      "RUN_START",
      "one",
      "while away",
      "still away",
      "live again",
      "RUN_SUCCESS",
    ]);

    const finished = await client.run(run.id);
    expect(finished).toMatchObject({ status: "SUCCESS", lastEventSeq: 6 });
    await statuses.close();
  });

  it("reads a stored page of the log with runLog, without waiting for more", async () => {
    const client = t.client();
    const [done] = (await client.runs({ status: ["SUCCESS"], first: 1 })).items;
    expect((await client.runLog(done!.id)).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect((await client.runLog(done!.id, { after: 2, first: 2 })).map((e) => e.message ?? e.type)).toEqual(["while away", "still away"]);
    // The largest page the server allows fits its query cost limit.
    expect((await client.runLog(done!.id, { first: 10_000 })).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    await expect(client.runLog("00000000-0000-0000-0000-000000000000")).rejects.toBeInstanceOf(NotFoundError);
  });

  it("types each event's payload by its type, with no cast", async () => {
    const client = t.client();
    const [done] = (await client.runs({ status: ["SUCCESS"], first: 1 })).items;
    const read = (event: RunEvent): string => {
      switch (event.type) {
        case "RUN_START":
          return `start ${event.payload.assetKeys.join(",")} reusing ${event.payload.reusedOutputs.length}`;
        case "LOG":
          // @ts-expect-error a LOG payload has no durationMs: narrowing picked LOG's payload type
          void event.payload.durationMs;
          return `log ${event.message} ${String(event.payload.extra)}`;
        case "RUN_SUCCESS":
          return `success after ${event.payload.durationMs} ms`;
        default:
          return event.type;
      }
    };
    expect((await client.runLog(done!.id)).map(read)).toEqual([
      "start shop/orders,shop/revenue reusing 0",
      "log one null",
      "log while away null",
      "log still away null",
      "log live again null",
      "success after 42 ms",
    ]);
    expectTypeOf<RunEvent<"ASSET_MATERIALIZATION">["payload"]["dataVersion"]>().toEqualTypeOf<string | null>();
    expectTypeOf<RunEvent<"STEP_FAILURE">["payload"]["error"]["message"]>().toEqualTypeOf<string>();
  });

  it("starts after a given seq, for a reader that already has the beginning", async () => {
    const client = t.client();
    const [done] = (await client.runs({ status: ["SUCCESS"], first: 1 })).items;
    const rest: number[] = [];
    for await (const e of client.runEvents(done!.id, { after: 4 })) rest.push(e.seq);
    expect(rest).toEqual([5, 6]);
  });
});

describe("runStatusChanged and reexecuteRun", () => {
  it("reports each status of a run as it changes", async () => {
    const client = t.client();
    const run = await client.launchRun({ assetKeys: ["shop/orders"] });
    let onConnected!: () => void;
    const connected = new Promise<void>((resolve) => (onConnected = resolve));
    const changes = client.runStatusChanged({ runId: run.id, onStatus: (s) => s.state === "connected" && onConnected() });
    const statuses: string[] = [];
    const watching = (async () => {
      for await (const change of changes) {
        statuses.push(change.status);
        if (change.status === "FAILURE") break;
      }
    })();
    await connected;
    const claimed = await claim();
    seq = 0;
    await report(run.id, runStart(claimed), event("RUN_FAILURE", "the warehouse was down", { durationMs: 5 }));
    await watching;
    expect(statuses.at(-1)).toBe("FAILURE");
    expect((await client.run(run.id)).failureReason).toBe("Run failed");
  });

  it("re-executes a finished run as its child, and says when there is nothing to re-execute", async () => {
    const client = t.client();
    const [failed] = (await client.runs({ status: ["FAILURE"], first: 1 })).items;
    const child = await client.reexecuteRun({ runId: failed!.id, strategy: "ALL_STEPS", extraTags: { retry: "1" } });
    expect(child).toMatchObject({ parentRunId: failed!.id, rootRunId: failed!.id, reexecutionStrategy: "ALL_STEPS" });
    expect(["QUEUED", "STARTING"]).toContain(child.status);
    await client.terminateRun(child.id);

    const succeeded = await client.launchRun({ assetKeys: ["shop/orders"] });
    const claimed = await claim();
    seq = 0;
    const steps = claimed.stepKeys.flatMap((stepKey) => [
      { ...event("STEP_START", undefined, { retryNumber: 0 }), stepKey },
      { ...event("STEP_SUCCESS", undefined, { durationMs: 1, retryNumber: 0 }), stepKey },
    ]);
    await report(succeeded.id, runStart(claimed), ...steps, event("RUN_SUCCESS", undefined, { durationMs: 5 }));
    const error = await client.reexecuteRun({ runId: succeeded.id, strategy: "FROM_FAILURE" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NothingToReexecuteError);
    expect(error).toMatchObject({ code: "NOTHING_TO_REEXECUTE", runId: succeeded.id });
  });
});
