import type { ClaimedRun, RunReport, WorkerRunEvent } from "@strata/sdk";
import { describe, expect, it } from "vitest";
import { asset } from "../authoring/asset.js";
import { Definitions } from "../authoring/definitions.js";
import { dailyPartitions } from "../authoring/partitions.js";
import { InMemoryIOManager } from "../io/in-memory-io-manager.js";
import { ManualClock, settle } from "../testing/manual-clock.js";
import { HeldRun } from "./held-run.js";

const quiet = { info: () => {}, warn: () => {}, error: () => {} };

/** The server's side of one held run, as the worker's client sees it. */
class FakeServer {
  reported: WorkerRunEvent[] = [];
  heartbeats = 0;
  answer: RunReport = { held: true, lastSeq: 0, status: "STARTED", cancelRequested: false };
  client = {
    reportRunEvents: async ({ events }: { events: readonly WorkerRunEvent[] }): Promise<RunReport> => {
      if (this.answer.held) this.reported.push(...events);
      return this.answer;
    },
    heartbeatRun: async (): Promise<RunReport> => {
      this.heartbeats++;
      return this.answer;
    },
  };
}

type ClaimedPartitions = Pick<ClaimedRun, "partitionKey" | "partitionRange">;

function claimed(stepKeys: string[], partitions: ClaimedPartitions = { partitionKey: null, partitionRange: null }): ClaimedRun {
  return {
    ...partitions,
    __typename: "ClaimedRun",
    id: "run-1",
    stepKeys,
    assetKeys: stepKeys,
    reusedOutputs: [],
    parentRunId: null,
    rootRunId: null,
    strategy: null,
    tags: {},
    traceparent: null,
    // The server stores RUN_START with the claim.
    lastEventSeq: 1,
  } as ClaimedRun;
}

function setup() {
  let started!: () => void;
  const running = new Promise<void>((resolve) => (started = resolve));
  const fast = asset("fast", () => 1);
  const waits = asset("waits", (_, ctx) => {
    started();
    return new Promise((_, reject) => ctx.signal.addEventListener("abort", () => reject(new Error("stopped"))));
  });
  const daily = asset("daily", { partitions: dailyPartitions({ start: "2024-01-01" }) }, (_, ctx) =>
    Object.fromEntries(ctx.partition!.keys.map((key) => [key, key])),
  );
  const definitions = new Definitions({ assets: [fast, waits, daily], ioManagers: { io_manager: new InMemoryIOManager() } });
  const server = new FakeServer();
  const clock = new ManualClock();
  const hold = (stepKeys: string[], partitions?: ClaimedPartitions) =>
    new HeldRun(claimed(stepKeys, partitions), {
      definitions,
      client: server.client,
      workerId: "w1",
      leaseSeconds: 3,
      clock,
      logger: quiet,
      isRetryable: () => true,
    });
  return { server, clock, hold, running };
}

const types = (events: WorkerRunEvent[]) => events.map((e) => e.type);

describe("HeldRun", () => {
  it("executes the claimed steps and reports every event after the RUN_START the server stored", async () => {
    const { server, hold } = setup();

    const result = await hold(["fast"]).execute();

    expect(result).toMatchObject({ status: "SUCCESS", events: 5 });
    // The first event leaves at once; what follows shares the requests after it.
    expect(result.requests).toBeGreaterThanOrEqual(2);
    expect(result.requests).toBeLessThan(5);
    expect(types(server.reported)).toEqual(["STEP_START", "STEP_OUTPUT", "ASSET_MATERIALIZATION", "STEP_SUCCESS", "RUN_SUCCESS"]);
    expect(server.reported.map((e) => e.seq)).toEqual([2, 3, 4, 5, 6]);
  });

  it("runs the claimed partition range, one materialization per partition", async () => {
    const { server, hold } = setup();

    const result = await hold(["daily"], { partitionKey: null, partitionRange: { from: "2024-01-01", to: "2024-01-03" } }).execute();

    expect(result.status).toBe("SUCCESS");
    const materialized = server.reported.filter((e) => e.type === "ASSET_MATERIALIZATION");
    expect(materialized.map((e) => (e.payload as { partition: string }).partition)).toEqual(["2024-01-01", "2024-01-02", "2024-01-03"]);
  });

  it("ends the run RUN_CANCELED when a heartbeat says termination was requested", async () => {
    const { server, clock, hold, running } = setup();
    const execution = hold(["waits"]).execute();
    await running;
    await clock.advance(20); // the first events are reported; nothing else is
    server.answer = { held: true, lastSeq: 2, status: "CANCELING", cancelRequested: true };

    await clock.advance(1_000);
    const result = await execution;

    expect(server.heartbeats).toBe(1);
    expect(result.status).toBe("CANCELED");
    expect(types(server.reported).slice(-2)).toEqual(["STEP_CANCELED", "RUN_CANCELED"]);
  });

  it("stops executing and reporting once the lease is lost", async () => {
    const { server, clock, hold, running } = setup();
    const execution = hold(["waits"]).execute();
    await running;
    await clock.advance(20);
    const reportedBefore = server.reported.length;
    server.answer = { held: false, message: "run-1 is FAILURE now" };

    await clock.advance(1_000);
    const result = await execution;
    await settle();

    expect(result.status).toBe("LOST");
    expect(server.reported).toHaveLength(reportedBefore);
    expect(types(server.reported)).toEqual(["STEP_START"]);
  });

  it("fails a run whose plan this code cannot execute, with the reason, instead of leaving it to the run monitor", async () => {
    const { server, hold } = setup();

    const result = await hold(["renamed_since_launch"]).execute();

    expect(result.status).toBe("FAILURE");
    // It follows the RUN_START the server stored with the claim.
    expect(server.reported).toMatchObject([{ seq: 2, type: "RUN_FAILURE", payload: { error: { name: "SelectionError" } } }]);
    expect(server.reported[0]!.message).toContain('no step "renamed_since_launch"');
  });
});
