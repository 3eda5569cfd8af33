import { describe, expect, it } from "vitest";
import { parseRunEventPayload, type RunEventType, runEventPayloadSchemas } from "./events.js";

/** parseRunEventPayload through the payload's schema alone (its definition), keys in the order it gives them. */
function throughSchema(type: RunEventType, payload: unknown) {
  const result = runEventPayloadSchemas[type].safeParse(payload);
  if (!result.success) return { ok: false };
  const kept = payload !== null && typeof payload === "object" ? payload : {};
  return { ok: true, payload: { ...kept, ...result.data } };
}

/** Its answer, with the payload as its JSON text (so the keys' order counts) and a refusal as just that. */
function answer(type: RunEventType, payload: unknown) {
  const parsed = parseRunEventPayload(type, payload);
  return parsed.ok ? { ok: true, payload: parsed.payload } : { ok: false };
}

const output = { outputName: "result", assetKey: "sales/orders", stored: true };
const materialization = { assetKey: "sales/orders", outputName: "result" };

describe("STEP_OUTPUT and ASSET_MATERIALIZATION payloads checked field by field", () => {
  it("knows every field of their schemas: a field added there needs its check in plainOutputPayload too", () => {
    expect(Object.keys(runEventPayloadSchemas.STEP_OUTPUT.shape)).toEqual(["outputName", "assetKey", "stored", "metadata"]);
    expect(Object.keys(runEventPayloadSchemas.ASSET_MATERIALIZATION.shape)).toEqual([
      "assetKey",
      "outputName",
      "metadata",
      "dataVersion",
      "partition",
    ]);
  });

  const cases: Array<[string, RunEventType, unknown]> = [
    ["an output", "STEP_OUTPUT", output],
    ["an output with empty metadata", "STEP_OUTPUT", { ...output, metadata: {} }],
    ["an output with metadata", "STEP_OUTPUT", { ...output, metadata: { rows: { type: "int", value: 3 } } }],
    ["an output of no asset", "STEP_OUTPUT", { ...output, assetKey: null }],
    ["an output without assetKey", "STEP_OUTPUT", { outputName: "result", stored: true }],
    ["an output without stored", "STEP_OUTPUT", { outputName: "result", assetKey: "a" }],
    ["an output with an invalid key", "STEP_OUTPUT", { ...output, assetKey: "sales orders" }],
    ["an output with metadata null", "STEP_OUTPUT", { ...output, metadata: null }],
    ["an output with a field of its own", "STEP_OUTPUT", { extra: 1, ...output }],
    ["a materialization", "ASSET_MATERIALIZATION", materialization],
    [
      "a materialization in full",
      "ASSET_MATERIALIZATION",
      { ...materialization, metadata: {}, dataVersion: "v1", partition: "2024-01-01" },
    ],
    ["a materialization with nulls", "ASSET_MATERIALIZATION", { ...materialization, dataVersion: null, partition: null }],
    ["a materialization with a numeric dataVersion", "ASSET_MATERIALIZATION", { ...materialization, dataVersion: 5 }],
    ["a partition of 1,024", "ASSET_MATERIALIZATION", { ...materialization, partition: "p".repeat(1024) }],
    ["a partition of 1,025", "ASSET_MATERIALIZATION", { ...materialization, partition: "p".repeat(1025) }],
    ["a materialization without outputName", "ASSET_MATERIALIZATION", { assetKey: "a" }],
    ["a materialization of an invalid key", "ASSET_MATERIALIZATION", { ...materialization, assetKey: "a//b" }],
    ["a materialization with metadata", "ASSET_MATERIALIZATION", { ...materialization, metadata: { url: "https://x" } }],
    ["a key of 1,025 characters", "ASSET_MATERIALIZATION", { ...materialization, assetKey: "k".repeat(1025) }],
    ["an array", "ASSET_MATERIALIZATION", [materialization]],
    ["a null-prototype payload", "ASSET_MATERIALIZATION", Object.assign(Object.create(null), materialization)],
    ["a __proto__ field", "ASSET_MATERIALIZATION", JSON.parse(`{"assetKey":"a","outputName":"o","__proto__":{"x":1}}`)],
  ];
  for (const [name, type, payload] of cases) {
    it(`${name}: as its schema gives it, keys in the same order`, () => {
      const expected = throughSchema(type, payload);
      const got = answer(type, payload);
      expect(got).toEqual(expected);
      expect(JSON.stringify(got)).toBe(JSON.stringify(expected));
    });
  }
});
