import type { RunReport } from "@strata/sdk";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../testing/manual-clock.js";
import { RunLease } from "./run-lease.js";

class Unreachable extends Error {}

function setup(answers: (RunReport | Error)[]) {
  const clock = new ManualClock();
  const beats: number[] = [];
  const reports: RunReport[] = [];
  const errors: [unknown, boolean][] = [];
  const start = clock.now();
  const lease = new RunLease({
    heartbeat: async () => {
      beats.push(clock.now() - start);
      const answer = answers.shift() ?? { held: true, lastSeq: 0, status: "STARTED", cancelRequested: false };
      if (answer instanceof Error) throw answer;
      return answer;
    },
    isRetryable: (error) => error instanceof Unreachable,
    onReport: (report) => reports.push(report),
    onError: (error, fatal) => errors.push([error, fatal]),
    clock,
    leaseSeconds: 30,
  });
  return { clock, lease, beats, reports, errors };
}

const held = (cancelRequested = false): RunReport => ({
  held: true,
  lastSeq: 3,
  status: cancelRequested ? "CANCELING" : "STARTED",
  cancelRequested,
});

describe("RunLease", () => {
  it("heartbeats every third of the lease until stopped", async () => {
    const { clock, lease, beats } = setup([]);
    lease.start();
    await clock.advance(35_000);
    await lease.stop();
    await clock.advance(60_000);

    expect(beats).toEqual([10_000, 20_000, 30_000]);
  });

  it("keeps beating through failures and passes on a cancellation request", async () => {
    const { clock, lease, beats, reports, errors } = setup([new Unreachable("down"), held(true)]);
    lease.start();
    await clock.advance(20_000);
    await lease.stop();

    expect(beats).toEqual([10_000, 20_000]);
    expect(errors).toEqual([[expect.any(Unreachable), false]]);
    expect(reports).toEqual([held(true)]);
  });

  it("stops beating once the lease is lost, or on an error retrying cannot fix", async () => {
    const lost = setup([{ held: false, message: "run 1 is FAILURE now" }]);
    lost.lease.start();
    await lost.clock.advance(60_000);
    expect(lost.beats).toEqual([10_000]);
    expect(lost.reports).toEqual([{ held: false, message: "run 1 is FAILURE now" }]);

    const refused = setup([new Error("forbidden")]);
    refused.lease.start();
    await refused.clock.advance(60_000);
    expect(refused.beats).toEqual([10_000]);
    expect(refused.errors).toEqual([[new Error("forbidden"), true]]);
  });
});
