import { describe, expect, it } from "vitest";
import { evaluateFreshness, freshnessPolicySchema } from "./index.js";

const MIN = 60_000;
const t0 = Date.parse("2024-03-01T00:00:00Z");

describe("freshness", () => {
  const window = freshnessPolicySchema.parse({ kind: "time_window", failAfterMs: 60 * MIN, warnAfterMs: 30 * MIN });

  it("a time window: PASS, then WARN and FAIL at their deadlines, each announcing the next", () => {
    expect(evaluateFreshness(window, null, t0)).toEqual({ state: "UNKNOWN", nextTransitionAt: null });
    expect(evaluateFreshness(window, t0, t0 + MIN)).toEqual({ state: "PASS", nextTransitionAt: t0 + 30 * MIN });
    expect(evaluateFreshness(window, t0, t0 + 30 * MIN)).toEqual({ state: "WARN", nextTransitionAt: t0 + 60 * MIN });
    expect(evaluateFreshness(window, t0, t0 + 61 * MIN)).toEqual({ state: "FAIL", nextTransitionAt: null });
    const failOnly = freshnessPolicySchema.parse({ kind: "time_window", failAfterMs: 60 * MIN });
    expect(evaluateFreshness(failOnly, t0, t0 + 45 * MIN)).toEqual({ state: "PASS", nextTransitionAt: t0 + 60 * MIN });
  });

  it("refuses a warning later than the failure", () => {
    expect(freshnessPolicySchema.safeParse({ kind: "time_window", failAfterMs: MIN, warnAfterMs: 2 * MIN }).success).toBe(false);
  });

  it("a cron deadline in a time zone: materialized in the window before 09:00 Berlin passes, a missed deadline fails until the next materialization", () => {
    // 09:00 in Berlin on 2024-03-01 is 08:00 UTC; the window opens two hours before.
    const policy = freshnessPolicySchema.parse({ kind: "cron", cron: "0 9 * * *", timezone: "Europe/Berlin", lowerBoundMs: 120 * MIN });
    const deadline = Date.parse("2024-03-01T08:00:00Z");
    const day = 24 * 60 * MIN;
    const early = deadline - 60 * MIN;
    expect(evaluateFreshness(policy, early, deadline + MIN)).toEqual({ state: "PASS", nextTransitionAt: deadline + day });
    expect(evaluateFreshness(policy, deadline - 3 * 60 * MIN, deadline + MIN)).toEqual({ state: "FAIL", nextTransitionAt: null });
    // Materialized late, after the deadline: fresh again, until the next deadline it misses.
    expect(evaluateFreshness(policy, deadline + 30 * MIN, deadline + 31 * MIN)).toEqual({
      state: "PASS",
      nextTransitionAt: deadline + day,
    });
  });
});
