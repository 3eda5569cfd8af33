import { describe, expect, it } from "vitest";
import { DefinitionError } from "./definition-error.js";
import { normalizeRetryPolicy, retryDelay } from "./retry-policy.js";

const never = () => {
  throw new Error("no jitter expected");
};

describe("retry delays", () => {
  it("follow Dagster's linear backoff: attempt × delay", () => {
    const policy = normalizeRetryPolicy({ maxRetries: 3, delay: 1, backoff: "linear" }, "test")!;
    expect([1, 2, 3].map((attempt) => retryDelay(policy, attempt, never))).toEqual([1, 2, 3]);
  });

  it("follow Dagster's exponential backoff: (2^attempt − 1) × delay", () => {
    const policy = normalizeRetryPolicy({ maxRetries: 3, delay: 1, backoff: "exponential" }, "test")!;
    expect([1, 2, 3].map((attempt) => retryDelay(policy, attempt, never))).toEqual([1, 3, 7]);
  });

  it("keep a constant delay without backoff", () => {
    const policy = normalizeRetryPolicy({ maxRetries: 2, delay: 250 }, "test")!;
    expect([1, 2].map((attempt) => retryDelay(policy, attempt, never))).toEqual([250, 250]);
  });

  it("apply full jitter within [0, wait] and plus-minus jitter within wait ± delay", () => {
    const full = normalizeRetryPolicy({ maxRetries: 3, delay: 10, backoff: "linear", jitter: "full" }, "test")!;
    expect(retryDelay(full, 3, () => 0)).toBe(0);
    expect(retryDelay(full, 3, () => 0.5)).toBe(15);
    const plusMinus = normalizeRetryPolicy({ maxRetries: 3, delay: 10, backoff: "linear", jitter: "plusMinus" }, "test")!;
    expect(retryDelay(plusMinus, 3, () => 0)).toBe(20);
    expect(retryDelay(plusMinus, 3, () => 0.999999)).toBeCloseTo(40, 3);
  });
});

describe("retry policy validation", () => {
  it.each([
    [{ maxRetries: -1 }, "maxRetries"],
    [{ maxRetries: 1.5 }, "maxRetries"],
    [{ maxRetries: 1, delay: -5 }, "delay"],
    [{ maxRetries: 1, backoff: "linear" as const }, "need a delay"],
    [{ maxRetries: 1, delay: 1, jitter: "sometimes" as never }, "jitter"],
  ])("rejects %j", (policy, fragment) => {
    expect(() => normalizeRetryPolicy(policy, 'asset "x"')).toThrow(DefinitionError);
    expect(() => normalizeRetryPolicy(policy, 'asset "x"')).toThrow(fragment);
  });

  it("spells out every field for the manifest", () => {
    expect(normalizeRetryPolicy({ maxRetries: 2 }, "x")).toEqual({ maxRetries: 2, delay: 0, backoff: "constant", jitter: "none" });
  });
});
