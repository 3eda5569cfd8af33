import { parseRunEventPayload } from "@strata/protocol";
import { describe, expect, it } from "vitest";
import { eventSchema, PLAIN_EVENT_FIELDS, parseEvents } from "./report.js";

/** What parseEvents gives for one event through the schema alone: the event, or the refusal's message. */
function throughSchema(event: unknown): unknown {
  const result = eventSchema.safeParse(event);
  if (!result.success) return `events.0: ${result.error.issues.map((x) => `${x.path.join(".")} ${x.message}`).join("; ")}`;
  const payload = parseRunEventPayload(result.data.type, result.data.payload);
  return payload.ok ? { ...result.data, payload: payload.payload } : `events.0: ${payload.problem}`;
}

function parsed(event: unknown): unknown {
  try {
    return parseEvents([event])[0];
  } catch (error) {
    return (error as Error).message.replace(/^Invalid argument /, "");
  }
}

const base = {
  seq: 7,
  type: "STEP_OUTPUT",
  timestamp: 1_700_000_000_000,
  stepKey: "wide",
  payload: { outputName: "o", assetKey: "a", stored: true },
};
const long = (n: number) => "x".repeat(n);

describe("a report's events checked field by field", () => {
  const cases: Array<[string, unknown]> = [
    ["a plain event", base],
    ["every optional field", { ...base, assetKey: "a", level: "warning", message: "m", stepKey: "s" }],
    ["optional fields null", { ...base, assetKey: null, level: null, message: null, stepKey: null }],
    ["no payload", { seq: 1, type: "LOG", timestamp: 1 }],
    ["a payload of null", { seq: 1, type: "LOG", timestamp: 1, payload: null }],
    ["a payload given as undefined", { seq: 1, type: "LOG", timestamp: 1, payload: undefined }],
    ["seq 0", { ...base, seq: 0 }],
    ["seq 2^31", { ...base, seq: 2 ** 31 }],
    ["seq 1.5", { ...base, seq: 1.5 }],
    ["seq as text", { ...base, seq: "7" }],
    ["an unknown type", { ...base, type: "STEP_DANCE" }],
    ["a timestamp as text", { ...base, timestamp: "2024-01-01" }],
    ["a stepKey of 1,024", { ...base, stepKey: long(1024) }],
    ["a stepKey of 1,025", { ...base, stepKey: long(1025) }],
    ["a level of 17", { ...base, level: long(17) }],
    ["a message of 1,000,001", { ...base, message: long(1_000_001) }],
    ["an assetKey that is a number", { ...base, assetKey: 5 }],
    ["an unknown field", { ...base, hostname: "w1" }],
    ["a __proto__ field", JSON.parse(`{"seq":1,"type":"LOG","timestamp":1,"__proto__":{"x":1}}`)],
    ["not an object", "event"],
    ["an array", [base]],
    ["null", null],
    ["a null-prototype object", Object.assign(Object.create(null), base)],
  ];
  for (const [name, event] of cases) {
    it(`${name}: as the schema alone gives it`, () => {
      expect(parsed(event)).toEqual(throughSchema(event));
    });
  }

  it("checks every field the schema has: a field added to one is added to the other", () => {
    expect(Object.keys(eventSchema.shape).sort()).toEqual([...PLAIN_EVENT_FIELDS].sort());
  });

  it("returns a copy, not the object reported", () => {
    const event = { ...base };
    expect(parseEvents([event])[0]).not.toBe(event);
  });
});
