import type { RunReport } from "@strata/sdk";
import { describe, expect, it } from "vitest";
import type { RunEvent } from "../execution/events.js";
import { ManualClock, settle } from "../testing/manual-clock.js";
import { RunEventReporter, type RunEventReporterOptions } from "./event-reporter.js";

class Unreachable extends Error {}

/**
 * The server's side of reportRunEvents, reduced to what the reporter relies on: it stores each
 * seq once (ignoring resends) and answers with the highest seq it holds. `down` makes requests
 * fail as an unreachable server's do; `loseAnswers` stores the batch but fails the request.
 */
class FakeServer {
  stored = new Map<number, RunEvent>();
  requests: number[][] = [];
  down = false;
  loseAnswers = false;
  held = true;
  cancelRequested = false;
  /** While set, answers wait for it (a slow server). */
  gate: Promise<void> | null = null;

  send = async (events: readonly RunEvent[]): Promise<RunReport> => {
    this.requests.push(events.map((e) => e.seq));
    await this.gate;
    if (this.down) throw new Unreachable("connect ECONNREFUSED");
    if (!this.held) return { held: false, message: "lease lost" };
    for (const event of events) if (!this.stored.has(event.seq)) this.stored.set(event.seq, event);
    if (this.loseAnswers) throw new Unreachable("socket hang up");
    return { held: true, lastSeq: Math.max(0, ...this.stored.keys()), status: "STARTED", cancelRequested: this.cancelRequested };
  };
}

function setup(options: Partial<RunEventReporterOptions> = {}) {
  const clock = new ManualClock();
  const server = new FakeServer();
  const reports: RunReport[] = [];
  const fatal: unknown[] = [];
  const retries: number[] = [];
  const reporter = new RunEventReporter({
    send: server.send,
    isRetryable: (error) => error instanceof Unreachable,
    onReport: (report) => reports.push(report),
    onRetry: (_, __, delayMs) => retries.push(delayMs),
    onFatal: (error) => fatal.push(error),
    clock,
    random: () => 1,
    ...options,
  });
  let seq = 0;
  const push = (type = "LOG") => reporter.push({ seq: ++seq, type, timestamp: clock.now(), payload: {} } as RunEvent);
  /** With maxBatch 2: events 1-2 leave, then the full batch 3-4 follows while they are in flight. */
  const pipelineTwo = async () => {
    push("RUN_START");
    push();
    await settle();
    push();
    push();
    await settle();
  };
  return { clock, server, reporter, reports, fatal, retries, push, pipelineTwo };
}

describe("RunEventReporter", () => {
  it("sends at once by default, and batches what arrives while a request is in flight", async () => {
    const { server, push } = setup();
    let answer!: () => void;
    server.gate = new Promise<void>((resolve) => (answer = resolve));
    push("RUN_START");
    await settle();
    expect(server.requests).toEqual([[1]]);
    push();
    push();
    push();
    await settle();
    expect(server.requests).toEqual([[1]]);
    server.gate = null;
    answer();
    await settle();
    expect(server.requests).toEqual([[1], [2, 3, 4]]);
  });

  it("with a flush interval, holds a first event for others to share its request", async () => {
    const { clock, server, push } = setup({ flushIntervalMs: 15 });
    push();
    await clock.advance(5);
    push();
    push();
    await clock.advance(9);
    expect(server.requests).toEqual([]);

    await clock.advance(1);

    expect(server.requests).toEqual([[1, 2, 3]]);
  });

  it("sends at once when a batch is full or the run's last event arrives", async () => {
    const { server, push } = setup({ maxBatch: 4 });
    for (let i = 0; i < 4; i++) push();
    await settle();
    push();
    push("RUN_SUCCESS");
    await settle();

    expect(server.requests).toEqual([
      [1, 2, 3, 4],
      [5, 6],
    ]);
  });

  it("while a request is in flight, sends a full batch behind it, never more than `pipeline` at once", async () => {
    const { server, reporter, reports, push } = setup({ maxBatch: 2 });
    let answer!: () => void;
    server.gate = new Promise<void>((resolve) => (answer = resolve));
    push("RUN_START");
    await settle();
    push();
    await settle();
    // One event waiting: not a full batch, so it waits for the answer.
    expect(server.requests).toEqual([[1]]);
    push();
    await settle();
    expect(server.requests).toEqual([[1], [2, 3]]);
    push();
    push();
    await settle();
    // Two in flight already: the next full batch waits.
    expect(server.requests).toEqual([[1], [2, 3]]);

    server.gate = null;
    answer();
    await reporter.close();

    expect(server.requests).toEqual([[1], [2, 3], [4, 5]]);
    expect([...server.stored.keys()]).toEqual([1, 2, 3, 4, 5]);
    expect(reports.map((r) => (r.held ? r.lastSeq : null))).toEqual([1, 3, 5]);
    expect(reporter.pipelined).toBe(2);
    expect(reporter.buffered).toBe(0);
  });

  it("resends at once a request the server took before the one ahead of it and refused for the gap", async () => {
    const server = new FakeServer();
    let answer!: () => void;
    const first = new Promise<void>((resolve) => (answer = resolve));
    // The real server's rule: new events must continue the stored ones. The first request is
    // slow, so the second one gets there first.
    const send = async (events: readonly RunEvent[]): Promise<RunReport> => {
      if (events[0]!.seq === 1) await first;
      const next = Math.max(0, ...server.stored.keys()) + 1;
      if (events[0]!.seq > next) {
        server.requests.push(events.map((e) => e.seq));
        throw new Error(`expects event seq ${next} next, got ${events[0]!.seq}`);
      }
      return server.send(events);
    };
    const { reporter, fatal, retries, push, pipelineTwo } = setup({ maxBatch: 2, send });
    await pipelineTwo();
    answer();
    push("RUN_SUCCESS");
    await reporter.close();

    expect(server.requests).toEqual([[3, 4], [1, 2], [3, 4], [5]]);
    expect([...server.stored.keys()]).toEqual([1, 2, 3, 4, 5]);
    expect(fatal).toEqual([]);
    expect(retries).toEqual([]);
  });

  it("when the first of two requests in flight fails, resends from the oldest event after the backoff, one request at a time", async () => {
    const { clock, server, reporter, retries, pipelineTwo } = setup({ maxBatch: 2 });
    let answer!: () => void;
    server.gate = new Promise<void>((resolve) => (answer = resolve));
    server.down = true;
    await pipelineTwo();
    expect(server.requests).toEqual([
      [1, 2],
      [3, 4],
    ]);
    answer();
    server.gate = null;
    await settle();
    server.down = false;
    await clock.advance(200);
    await reporter.close();

    expect(retries).toEqual([200]);
    expect(server.requests.slice(2)).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect([...server.stored.keys()]).toEqual([1, 2, 3, 4]);
  });

  it("gives up when a pipelined request's refusal is not about the gap: resent alone, it is refused again", async () => {
    const refused = new Error("token revoked");
    const server = new FakeServer();
    let answer!: () => void;
    const first = new Promise<void>((resolve) => (answer = resolve));
    const send = async (events: readonly RunEvent[]): Promise<RunReport> => {
      server.requests.push(events.map((e) => e.seq));
      if (events[0]!.seq === 1) {
        await first;
        return { held: true, lastSeq: 2, status: "STARTED", cancelRequested: false };
      }
      throw refused;
    };
    const { reporter, fatal, pipelineTwo } = setup({ maxBatch: 2, send });
    await pipelineTwo();
    answer();
    await reporter.close();

    expect(server.requests).toEqual([
      [1, 2],
      [3, 4],
      [3, 4],
    ]);
    expect(fatal).toEqual([refused]);
    expect(reporter.stopped).toBe(true);
  });

  it("keeps events while the server is unreachable and delivers every one, in order, once it is back", async () => {
    const { clock, server, reporter, retries, push } = setup();
    server.down = true;
    push();
    push();
    await clock.advance(15);
    await clock.advance(100);
    push();
    await clock.advance(100);
    expect(reporter.buffered).toBe(3);

    server.down = false;
    await clock.advance(5_000);

    expect([...server.stored.keys()]).toEqual([1, 2, 3]);
    expect(reporter.buffered).toBe(0);
    expect(retries).toEqual([200, 400]);
    // Each retry resends from the oldest unacknowledged event, with what arrived meanwhile.
    expect(server.requests).toEqual([
      [1, 2],
      [1, 2, 3],
      [1, 2, 3],
    ]);
  });

  it("resends a batch whose answer was lost; the server keeps each event once", async () => {
    const { clock, server, push, reporter } = setup();
    server.loseAnswers = true;
    push();
    push("RUN_FAILURE");
    await settle();
    server.loseAnswers = false;
    await clock.advance(200);
    await reporter.close();

    expect(server.requests).toEqual([
      [1, 2],
      [1, 2],
    ]);
    expect(server.stored.size).toBe(2);
  });

  it("asks the executor to wait only once its bounded buffer is full", async () => {
    const { clock, server, push } = setup({ maxBuffered: 3 });
    server.down = true;
    expect(push()).toBeUndefined();
    expect(push()).toBeUndefined();
    let resumed = false;
    void push()!.then(() => (resumed = true));
    await clock.advance(1_000);
    expect(resumed).toBe(false);

    server.down = false;
    await clock.advance(1_000);

    expect(resumed).toBe(true);
  });

  it("close() delivers what is buffered without waiting for the flush interval", async () => {
    const { server, reporter, push } = setup({ flushIntervalMs: 60_000 });
    push();
    push();

    await reporter.close();

    expect(server.requests).toEqual([[1, 2]]);
  });

  it("stops and drops its buffer when the server says the worker no longer holds the run", async () => {
    const { server, reporter, reports, push } = setup();
    server.held = false;
    push("RUN_START");
    push("RUN_SUCCESS");
    await reporter.close();
    push();
    await settle();

    expect(reports).toEqual([{ held: false, message: "lease lost" }]);
    expect(reporter.stopped).toBe(true);
    expect(server.requests).toEqual([[1, 2]]);
  });

  it("passes on the server's cancellation request with its answer", async () => {
    const { server, reporter, reports, push } = setup();
    server.cancelRequested = true;
    push("RUN_START");
    await reporter.close();

    expect(reports).toEqual([{ held: true, lastSeq: 1, status: "STARTED", cancelRequested: true }]);
  });

  it("gives up at once on an error retrying cannot fix", async () => {
    const refused = new Error("token revoked");
    const { reporter, fatal, push } = setup({
      send: async () => {
        throw refused;
      },
    });
    push("RUN_START");
    await reporter.close();

    expect(fatal).toEqual([refused]);
    expect(reporter.stopped).toBe(true);
  });
});
