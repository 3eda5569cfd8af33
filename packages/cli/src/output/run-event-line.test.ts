import type { RunEvent } from "@strata/sdk";
import { describe, expect, it } from "vitest";
import { errorText, runEventLine } from "./run-event-line.js";
import { styleFor } from "./style.js";

const plain = styleFor({ isTTY: true }, { NO_COLOR: "1" });
const layout = { style: plain, stepWidth: 8, time: () => "0.00s" };

function event(type: string, fields: Partial<RunEvent> = {}): RunEvent {
  return { runId: "r", seq: 1, type, level: "INFO", message: null, stepKey: null, assetKey: null, timestamp: "2026-12-02T12:00:00.000Z", payload: {}, ...fields };
}

describe("runEventLine", () => {
  it("lays out time, symbol, step and text in columns", () => {
    expect(runEventLine(event("STEP_START", { stepKey: "source" }), layout)).toBe("0.00s  ▶ source    started");
    expect(runEventLine(event("RUN_START", { payload: { stepKeys: ["a", "b", "c"] } }), layout)).toBe("0.00s  ● run       started: 3 steps");
  });

  it("shows the user's own exception for a failed step", () => {
    const error = { name: "UserCodeError", message: 'Error in asset "doubled": boom', cause: { name: "Error", message: "the warehouse is closed\nat ..." } };
    expect(runEventLine(event("STEP_FAILURE", { stepKey: "doubled", payload: { error } }), layout)).toBe("0.00s  ✗ doubled   failed: Error: the warehouse is closed");
  });

  it("shows a materialization's metadata without paths, and names another asset of the step", () => {
    const payload = { assetKey: "daily", metadata: { rows: { type: "int", value: 60 }, file: { type: "path", value: "/tmp/x" } } };
    expect(runEventLine(event("ASSET_MATERIALIZATION", { stepKey: "stats", payload }), layout)).toBe("0.00s  ◆ stats     materialized daily  rows=60");
  });

  it("shows a retry's delay and a run's failed steps", () => {
    const retry = event("STEP_UP_FOR_RETRY", { stepKey: "flaky", payload: { retryNumber: 1, delayMs: 20, error: { name: "Error", message: "first try" } } });
    expect(runEventLine(retry, layout)).toBe("0.00s  ↻ flaky     failed, retry 1 in 20ms: Error: first try");
    expect(runEventLine(event("RUN_FAILURE", { payload: { durationMs: 121, failedSteps: ["doubled"] } }), layout)).toBe("0.00s  ✗ run       failed in 121ms: doubled failed");
  });

  it("colours by outcome on a terminal, and not with NO_COLOR", () => {
    const style = styleFor({ isTTY: true }, {});
    const coloured = runEventLine(event("STEP_SUCCESS", { stepKey: "a", payload: { durationMs: 15 } }), { ...layout, style });
    expect(coloured).toContain(style.green("✓"));
    expect(runEventLine(event("STEP_SUCCESS", { stepKey: "a", payload: { durationMs: 15 } }), layout)).toBe("0.00s  ✓ a         succeeded in 15ms");
  });
});

describe("errorText", () => {
  it("is Name: first line of the message, unwrapping UserCodeError", () => {
    expect(errorText({ name: "TypeError", message: "x is undefined\nmore" })).toBe("TypeError: x is undefined");
    expect(errorText({ name: "UserCodeError", message: "wrapped", cause: { name: "Error", message: "boom" } })).toBe("Error: boom");
    expect(errorText(null)).toBe("unknown error");
  });
});
