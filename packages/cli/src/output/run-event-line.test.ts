import type { RunEvent, RunEventPayloads, RunEventType } from "@strata/sdk";
import { describe, expect, it } from "vitest";
import { errorText, runEventLine } from "./run-event-line.js";
import { styleFor } from "./style.js";

const plain = styleFor({ isTTY: true }, { NO_COLOR: "1" });
const layout = { style: plain, stepWidth: 8, time: () => "0.00s" };

function event<T extends RunEventType>(type: T, payload: RunEventPayloads[T], fields: { stepKey?: string } = {}): RunEvent {
  const base = { runId: "r", seq: 1, level: "INFO", message: null, stepKey: null, assetKey: null, timestamp: "2026-12-02T12:00:00.000Z" };
  return { ...base, ...fields, type, payload } as RunEvent;
}
const runStart = (stepKeys: string[]) => ({
  runId: "r",
  stepKeys,
  assetKeys: stepKeys,
  parentRunId: null,
  rootRunId: null,
  strategy: null,
  reusedOutputs: [],
});
const error = (name: string, message: string, cause: RunEventPayloads["STEP_FAILURE"]["error"] | null = null) => ({
  name,
  message,
  stack: null,
  cause,
});

describe("runEventLine", () => {
  it("lays out time, symbol, step and text in columns", () => {
    expect(runEventLine(event("STEP_START", { retryNumber: 0 }, { stepKey: "source" }), layout)).toBe("0.00s  ▶ source    started");
    expect(runEventLine(event("RUN_START", runStart(["a", "b", "c"])), layout)).toBe("0.00s  ● run       started: 3 steps");
  });

  it("shows the user's own exception for a failed step", () => {
    const failure = {
      error: error("UserCodeError", 'Error in asset "doubled": boom', error("Error", "the warehouse is closed\nat ...")),
      retryNumber: 0,
      userCode: true,
      description: null,
      metadata: {},
    };
    expect(runEventLine(event("STEP_FAILURE", failure, { stepKey: "doubled" }), layout)).toBe(
      "0.00s  ✗ doubled   failed: Error: the warehouse is closed",
    );
  });

  it("shows a materialization's metadata without paths, and names another asset of the step", () => {
    const payload = {
      assetKey: "daily",
      outputName: "daily",
      dataVersion: null,
      partition: null,
      metadata: { rows: { type: "int" as const, value: 60 }, file: { type: "path" as const, value: "/tmp/x" } },
    };
    expect(runEventLine(event("ASSET_MATERIALIZATION", payload, { stepKey: "stats" }), layout)).toBe(
      "0.00s  ◆ stats     materialized daily  rows=60",
    );
  });

  it("names the partition a materialization is of", () => {
    const payload = { assetKey: "daily", outputName: "result", dataVersion: null, partition: "2024-03-01", metadata: {} };
    expect(runEventLine(event("ASSET_MATERIALIZATION", payload, { stepKey: "daily" }), layout)).toBe(
      "0.00s  ◆ daily     materialized [2024-03-01]",
    );
  });

  it("shows a retry's delay and a run's failed steps", () => {
    const retry = event("STEP_UP_FOR_RETRY", { retryNumber: 1, delayMs: 20, error: error("Error", "first try") }, { stepKey: "flaky" });
    expect(runEventLine(retry, layout)).toBe("0.00s  ↻ flaky     failed, retry 1 in 20ms: Error: first try");
    expect(
      runEventLine(
        event("RUN_FAILURE", {
          durationMs: 121,
          failedSteps: ["doubled"],
          skippedSteps: [],
          error: null,
          reason: "STEP_FAILURE",
          failedChecks: [],
        }),
        layout,
      ),
    ).toBe("0.00s  ✗ run       failed in 121ms: doubled failed");
  });

  it("colours by outcome on a terminal, and not with NO_COLOR", () => {
    const style = styleFor({ isTTY: true }, {});
    const coloured = runEventLine(event("STEP_SUCCESS", { durationMs: 15, retryNumber: 0 }, { stepKey: "a" }), { ...layout, style });
    expect(coloured).toContain(style.green("✓"));
    expect(runEventLine(event("STEP_SUCCESS", { durationMs: 15, retryNumber: 0 }, { stepKey: "a" }), layout)).toBe(
      "0.00s  ✓ a         succeeded in 15ms",
    );
  });
});

describe("errorText", () => {
  it("is Name: first line of the message, unwrapping UserCodeError", () => {
    expect(errorText({ name: "TypeError", message: "x is undefined\nmore" })).toBe("TypeError: x is undefined");
    expect(errorText({ name: "UserCodeError", message: "wrapped", cause: { name: "Error", message: "boom" } })).toBe("Error: boom");
    expect(errorText(null)).toBe("unknown error");
  });
});
