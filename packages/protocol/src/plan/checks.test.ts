import { describe, expect, it } from "vitest";
import {
  checkKey,
  checksOfRun,
  manifestSchema,
  parseCheckKey,
  parseRunEventPayload,
  planReexecution,
  resolveSelection,
  selectChecks,
  SelectionError,
  type Manifest,
  type RunEvent,
} from "../index.js";
import { assetFixture } from "../testing/manifest.js";

// orders (yields "row_count" in its own step) → revenue; "no_nulls" is a check step of its own.
const step = (key: string, kind: "asset" | "check", inputs: { stepKey: string; assetKey: string }[], outputs: string[]) => ({
  key,
  kind,
  inputs: inputs.map((i) => ({ name: i.assetKey.split("/").at(-1)!, stepKey: i.stepKey, output: "result", assetKey: i.assetKey })),
  outputs: outputs.map((assetKey) => ({ name: "result", assetKey })),
  retryPolicy: null,
  deps: [],
  externalInputs: [],
  canSubset: false,
  graph: null,
  requiredResourceKeys: [],
});
const MANIFEST: Manifest = manifestSchema.parse({
  manifestVersion: 3,
  assets: [assetFixture("sales/orders"), assetFixture("sales/revenue", ["sales/orders"])],
  steps: [
    step("sales/orders", "asset", [], ["sales/orders"]),
    step("sales/orders#no_nulls", "check", [{ stepKey: "sales/orders", assetKey: "sales/orders" }], []),
    step("sales/revenue", "asset", [{ stepKey: "sales/orders", assetKey: "sales/orders" }], ["sales/revenue"]),
  ],
  checks: [
    {
      key: "sales/orders#no_nulls",
      assetKey: "sales/orders",
      name: "no_nulls",
      description: null,
      blocking: true,
      stepKey: "sales/orders#no_nulls",
    },
    {
      key: "sales/orders#row_count",
      assetKey: "sales/orders",
      name: "row_count",
      description: null,
      blocking: false,
      stepKey: "sales/orders",
    },
  ],
});

describe("check keys", () => {
  it("join an asset key and a name with '#', and split back only when both halves are valid", () => {
    expect(checkKey("sales/orders", "no_nulls")).toBe("sales/orders#no_nulls");
    expect(parseCheckKey("sales/orders#no_nulls")).toEqual({ assetKey: "sales/orders", name: "no_nulls" });
    expect(["sales/orders", "#x", "a#", "a#b.c", "a/#b"].map(parseCheckKey)).toEqual([null, null, null, null, null]);
  });

  it("a manifest without checks (version 2) reads as having none", () => {
    const { checks: _, ...v2 } = MANIFEST;
    expect(manifestSchema.parse({ ...v2, manifestVersion: 2 }).checks).toEqual([]);
  });
});

describe("selections with checks", () => {
  it("a run selecting an asset runs its check steps after it, unless told not to", () => {
    expect(resolveSelection(MANIFEST, ["sales/orders"]).stepKeys).toEqual(["sales/orders", "sales/orders#no_nulls"]);
    expect(resolveSelection(MANIFEST, ["sales/orders"], { includeChecks: false }).stepKeys).toEqual(["sales/orders"]);
    expect(resolveSelection(MANIFEST, ["sales/revenue"]).stepKeys).toEqual(["sales/revenue"]);
  });

  it("lists the checks a run evaluates: its check steps' and those its asset steps yield", () => {
    const keys = (assetKeys: string[]) => checksOfRun(MANIFEST, resolveSelection(MANIFEST, assetKeys)).map((c) => c.key);
    expect(keys(["sales/orders"])).toEqual(["sales/orders#no_nulls", "sales/orders#row_count"]);
    expect(keys(["sales/revenue"])).toEqual([]);
    expect(checksOfRun(MANIFEST, selectChecks(MANIFEST, ["sales/orders#no_nulls"])).map((c) => c.key)).toEqual(["sales/orders#no_nulls"]);
  });

  it("runs a check step alone, and refuses a check its asset evaluates in its own step, or an unknown one", () => {
    expect(selectChecks(MANIFEST, ["sales/orders#no_nulls"])).toEqual({ stepKeys: ["sales/orders#no_nulls"], assetKeys: [] });
    const codeOf = (keys: string[]) => {
      try {
        selectChecks(MANIFEST, keys);
        return null;
      } catch (error) {
        return error instanceof SelectionError ? error.code : "not a SelectionError";
      }
    };
    expect(codeOf(["sales/orders#row_count"])).toBe("check_requires_materialization");
    expect(codeOf(["sales/orders#nope"])).toBe("unknown_check");
    expect(codeOf([])).toBe("empty_selection");
  });
});

describe("re-executing a run a blocking check stopped", () => {
  const event = <T extends RunEvent["type"]>(seq: number, type: T, payload: unknown, stepKey?: string) =>
    ({ seq, type, timestamp: seq, stepKey, payload: (parseRunEventPayload(type, payload) as { payload: unknown }).payload }) as RunEvent;
  const parent = (severity: "ERROR" | "WARN") => [
    event(1, "RUN_START", {
      runId: "r1",
      stepKeys: ["sales/orders", "sales/orders#no_nulls", "sales/revenue"],
      assetKeys: ["sales/orders", "sales/revenue"],
      parentRunId: null,
      rootRunId: null,
      strategy: null,
      reusedOutputs: [],
    }),
    event(2, "ASSET_MATERIALIZATION", { assetKey: "sales/orders", outputName: "result" }, "sales/orders"),
    event(3, "STEP_SUCCESS", { durationMs: 1, retryNumber: 0 }, "sales/orders"),
    event(
      4,
      "ASSET_CHECK_EVALUATION",
      { checkKey: "sales/orders#no_nulls", assetKey: "sales/orders", checkName: "no_nulls", passed: false, severity, blocking: true },
      "sales/orders#no_nulls",
    ),
    event(5, "STEP_SUCCESS", { durationMs: 1, retryNumber: 0 }, "sales/orders#no_nulls"),
    event(6, "STEP_SKIPPED", { reason: "blocked_by_check", missing: [], blockedBy: ["sales/orders#no_nulls"] }, "sales/revenue"),
    event(7, "RUN_FAILURE", { durationMs: 7, reason: "BLOCKING_CHECK_FAILED", failedChecks: ["sales/orders#no_nulls"] }),
  ];

  it("FROM_ASSET_FAILURE runs the checked asset again, its checks and what they blocked", () => {
    expect(planReexecution(MANIFEST, parent("ERROR"), "FROM_ASSET_FAILURE").stepKeys).toEqual([
      "sales/orders",
      "sales/orders#no_nulls",
      "sales/revenue",
    ]);
  });

  it("a WARN result blocks nothing: only what was not materialized runs again", () => {
    expect(planReexecution(MANIFEST, parent("WARN"), "FROM_ASSET_FAILURE").stepKeys).toEqual(["sales/revenue"]);
  });
});
