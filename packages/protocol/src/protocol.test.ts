import { describe, expect, it } from "vitest";
import { contentHash } from "./hash.js";
import {
  canonicalJson,
  isAssetKey,
  isLocationName,
  isTerminalRunStatus,
  isValidName,
  manifestSchema,
  parseRunEventPayload,
  RUN_EVENT_TYPES,
  runEventPayloadSchemas,
  terminalStatusOf,
  toName,
} from "./index.js";

describe("canonical JSON and hashes", () => {
  it("sorts keys at every depth, keeps array order, leaves undefined fields out", () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: null, u: undefined } })).toBe('{"a":{"c":null,"d":[2,1]},"b":1}');
    expect(contentHash({ b: 1, a: 2 })).toBe(contentHash({ a: 2, b: 1 }));
    expect(contentHash({ a: [1, 2] })).not.toBe(contentHash({ a: [2, 1] }));
    expect(contentHash({})).toMatch(/^[0-9a-f]{64}$/);
  });

  it("is the text of a copy with sorted keys, array-index keys first as JavaScript orders them", () => {
    // The definition every stored hash was computed with; the fast path must agree to the byte.
    const sortedCopy = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(sortedCopy);
      if (value === null || typeof value !== "object") return value;
      const copy: Record<string, unknown> = {};
      for (const key of Object.keys(value).sort()) {
        const child = (value as Record<string, unknown>)[key];
        if (child !== undefined) copy[key] = sortedCopy(child);
      }
      return copy;
    };
    const values: unknown[] = [
      { "10": "a", "9": "b", b: 1, a: [undefined, () => 1, { z: 1, "2": 2, "01": 3 }], "": null, é: '\u2028"q"' },
      [1.5e300, -0, Number.NaN, "x", true, null, { u: undefined, f: () => 1 }],
      { "4294967295": 1, "4294967294": 2, "-1": 3, "1.5": 4, b: { "3": [], a: {} } },
      new Date(0),
      "plain",
      JSON.parse('{"a":1,"b":{"c":[{"d":null,"e":[1,{"f":2}]}]},"c":"x"}'),
      { a: { b: { d: 1, c: 2 } }, b: [[{ y: 1, x: 2 }]] },
      JSON.parse('{"__proto__":{"a":1},"b":2}'),
      Object.assign([1, 2], { toJSON: () => "array's own" }),
      {
        a: 1,
        toJSON(this: { a: number }) {
          return Object.keys(this);
        },
        z: 2,
      },
    ];
    for (const value of values) expect(canonicalJson(value)).toBe(JSON.stringify(sortedCopy(value)));
    expect(canonicalJson({ "10": 1, "9": 2, b: 3, a: 4 })).toBe('{"9":2,"10":1,"a":4,"b":3}');
  });
});

describe("names and keys", () => {
  it("one rule: parts of [A-Za-z0-9_-] joined by '/'", () => {
    expect(isAssetKey("sales/orders")).toBe(true);
    expect(["sales//orders", "/a", "a/", "a.b", "a b", "", "x".repeat(1025)].map(isAssetKey)).toEqual(Array(7).fill(false));
    expect(isValidName("daily_orders-2")).toBe(true);
    expect(isValidName("a/b")).toBe(false);
    expect(isLocationName("x".repeat(100))).toBe(true);
    expect(isLocationName("x".repeat(101))).toBe(false);
    expect(toName("my pipelines.v2!")).toBe("my-pipelines-v2");
  });
});

describe("run events", () => {
  it("has a schema for every event type", () => {
    expect(Object.keys(runEventPayloadSchemas).sort()).toEqual([...RUN_EVENT_TYPES].sort());
  });

  it("names the field at fault", () => {
    expect(parseRunEventPayload("STEP_START", { retryNumber: -1 })).toEqual({
      ok: false,
      problem: expect.stringMatching(/^STEP_START payload\.retryNumber: /),
    });
    expect(parseRunEventPayload("ASSET_MATERIALIZATION", { assetKey: "a b", outputName: "o", metadata: {}, dataVersion: null })).toEqual({
      ok: false,
      problem: expect.stringMatching(/^ASSET_MATERIALIZATION payload\.assetKey: /),
    });
    expect(parseRunEventPayload("RUN_SUCCESS", null)).toMatchObject({ ok: false });
  });

  it("keeps fields a newer sender added, and fills the defaults of optional ones", () => {
    expect(parseRunEventPayload("STEP_START", { retryNumber: 0, hostname: "w1" })).toEqual({
      ok: true,
      payload: { retryNumber: 0, hostname: "w1" },
    });
    expect(parseRunEventPayload("LOG", {})).toEqual({ ok: true, payload: { extra: null } });
    const error = { name: "Error", message: "boom" };
    expect(parseRunEventPayload("STEP_CANCELED", { retryNumber: 0, error })).toEqual({
      ok: true,
      payload: { retryNumber: 0, error: { name: "Error", message: "boom", stack: null, cause: null } },
    });
  });
});

describe("run statuses", () => {
  it("one terminal set, and the event that ends a run with each", () => {
    expect(["SUCCESS", "FAILURE", "CANCELED", "STARTED", "CANCELING"].map(isTerminalRunStatus)).toEqual([true, true, true, false, false]);
    expect(["RUN_SUCCESS", "RUN_FAILURE", "RUN_CANCELED", "STEP_FAILURE"].map(terminalStatusOf)).toEqual([
      "SUCCESS",
      "FAILURE",
      "CANCELED",
      null,
    ]);
  });
});

describe("the manifest", () => {
  it("lists every problem with its path", () => {
    const result = manifestSchema.safeParse({ manifestVersion: 1, assets: [{ key: "bad key" }], steps: "no" });
    expect(result.success).toBe(false);
    const paths = result.error!.issues.map((issue) => issue.path.join("."));
    expect(paths).toContain("assets.0.key");
    expect(paths).toContain("steps");
  });
});
