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
  return { clock, server, reporter, reports, fatal, retries, push };
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
