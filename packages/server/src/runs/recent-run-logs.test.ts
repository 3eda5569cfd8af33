import { describe, expect, it } from "vitest";
import { RecentRunLogs } from "./recent-run-logs.js";
import type { StoredRunEvent } from "./run-events.js";

const event = (seq: number, type = "LOG"): StoredRunEvent =>
  ({ runId: "r", seq, type, stepKey: null, assetKey: null, level: "INFO", message: null, payload: {}, timestamp: "" }) as StoredRunEvent;
const seqs = (events: StoredRunEvent[]) => events.map((e) => e.seq);

describe("RecentRunLogs", () => {
  it("keeps a run's log from seq 1, in order, whatever order its batches' events came in", () => {
    const logs = new RecentRunLogs();
    logs.record("r", [event(1, "RUN_START")]);
    logs.record("r", [event(3), event(2)]);
    expect(seqs(logs.after("r", 0))).toEqual([1, 2, 3]);
    expect(seqs(logs.after("r", 2))).toEqual([3]);
    expect(logs.after("r", 3)).toEqual([]);
  });

  it("keeps nothing of a run whose seq 1 it did not see, and stops at a gap (what follows is not a prefix)", () => {
    const logs = new RecentRunLogs();
    logs.record("elsewhere", [event(2), event(3)]);
    expect(logs.after("elsewhere", 0)).toEqual([]);
    logs.record("r", [event(1)]);
    logs.record("r", [event(3)]);
    // 2 was stored by another replica: even once 2 and 4 arrive here, the kept prefix stays 1.
    logs.record("r", [event(2), event(4)]);
    expect(seqs(logs.after("r", 0))).toEqual([1]);
  });

  it("ignores a resend of what it keeps", () => {
    const logs = new RecentRunLogs();
    logs.record("r", [event(1), event(2)]);
    logs.record("r", [event(1), event(2), event(3)]);
    expect(seqs(logs.after("r", 0))).toEqual([1, 2, 3]);
  });

  it("keeps the first 64 events of a run", () => {
    const logs = new RecentRunLogs();
    logs.record(
      "r",
      Array.from({ length: 100 }, (_, i) => event(i + 1)),
    );
    expect(logs.after("r", 0)).toHaveLength(64);
    logs.record("r", [event(101)]);
    expect(logs.after("r", 0).at(-1)?.seq).toBe(64);
  });

  it("forgets a run a minute after it began, and the oldest run past 256", () => {
    let now = 0;
    const logs = new RecentRunLogs(() => now);
    logs.record("old", [event(1)]);
    now = 30_000;
    logs.record("newer", [event(1)]);
    now = 60_001;
    expect(logs.after("old", 0)).toEqual([]);
    expect(seqs(logs.after("newer", 0))).toEqual([1]);
    for (let i = 0; i < 256; i++) logs.record(`run-${i}`, [event(1)]);
    expect(logs.size).toBe(256);
    expect(logs.after("newer", 0)).toEqual([]);
    expect(seqs(logs.after("run-255", 0))).toEqual([1]);
    // A run beginning past the minute of those before drops them first.
    now = 200_000;
    logs.record("latest", [event(1)]);
    expect(logs.size).toBe(1);
  });
});
