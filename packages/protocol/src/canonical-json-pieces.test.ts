import { describe, expect, it } from "vitest";
import { canonicalJson } from "./canonical-json.js";
import { canonicalFields, joinCanonicalFields, splitCanonicalText, writeCanonicalJson } from "./canonical-json-pieces.js";
import { contentHash, itemDigest, manifestHashAndDigests, manifestTextAndHash, manifestTextDigests } from "./hash.js";
import { createHash } from "node:crypto";

const joined = (value: unknown) => {
  const pieces: string[] = [];
  writeCanonicalJson(value, (piece) => pieces.push(piece));
  return { text: pieces.join(""), count: pieces.length };
};

const withToJson = { toJSON: (key: string) => `written as "${key}"` };
const nothing = { toJSON: () => undefined };
const values: unknown[] = [
  { steps: [{ b: 1, a: 2 }], assets: [{ z: [3, { y: 1, x: 2 }], "10": 1, "9": 2 }], manifestVersion: 3, u: undefined },
  { list: [undefined, () => 1, Symbol("s"), Number.NaN, -0, 1e21, 'é\u2028"', null, true, new Date(0)] },
  { f: () => 1, s: Symbol("s"), date: new Date(86_400_000), map: new Map([["a", 1]]), "": [] },
  { named: withToJson, list: [withToJson, nothing], gone: nothing, nested: [[withToJson]] },
  JSON.parse('{"__proto__":{"a":1},"b":[{"__proto__":{"c":2}}]}'),
  Object.assign(Object.create(null), { b: [Object.assign(Object.create(null), { d: 1, c: 2 })], a: 1 }),
  [[[{ b: 2, a: 1 }]], { "4294967295": 1, "4294967294": 2, "1.5": 3, "-1": 4 }],
  withToJson,
  [],
  {},
  "text",
  42,
  null,
];

describe("canonical JSON in pieces", () => {
  it("joins to exactly canonicalJson, whatever the value", () => {
    for (const value of values) expect(joined(value).text).toBe(canonicalJson(value));
  });

  it("splits an object into fields, lists into their items' texts, that join to exactly canonicalJson", () => {
    for (const value of values) {
      const fields = canonicalFields(value);
      if (fields === null) {
        // Not a plain object: a scalar, a list, or an object JSON does not write from its own keys.
        const plain = value !== null && typeof value === "object" && !Array.isArray(value);
        expect(plain && !Object.hasOwn(value, "toJSON") && !Object.hasOwn(value, "__proto__")).toBe(false);
        continue;
      }
      expect(joinCanonicalFields(fields!)).toBe(canonicalJson(value));
      expect(manifestHashAndDigests(value).hash).toBe(contentHash(value));
    }
    // The text a location keeps, its hash, and the digests read off it: those of the items written one by one.
    for (const value of values) {
      const { text, hash } = manifestTextAndHash(value);
      expect(text).toBe(canonicalJson(value));
      expect(hash).toBe(contentHash(value));
      // Equal for a plain object (a manifest); for an object JSON writes otherwise (no prototype,
      // a __proto__ key) the text's digests are read as the server reads them, where the walk gave none.
      if (canonicalFields(value)) expect(manifestTextDigests(text)).toEqual(manifestHashAndDigests(value).digests);
    }
    const [first] = values as [Record<string, unknown>];
    const fields = canonicalFields(first)!;
    expect(fields.map(([key]) => key)).toEqual(["assets", "manifestVersion", "steps"]);
    expect(fields[2]).toEqual(["steps", ['{"a":2,"b":1}']]);
    const digests = manifestHashAndDigests(first).digests;
    expect(Object.keys(digests)).toEqual(["assets", "steps"]);
    expect(digests.steps).toBe(itemDigest('{"a":2,"b":1}'));
    expect(itemDigest('{"a":2,"b":1}')).not.toBe(itemDigest('{"a":2,"b":2}'));
  });

  it("reads the same fields off canonical text as it writes from the parsed value", async () => {
    const tricky = {
      steps: [{ k: 'a "quoted" [x] {y}, \\', n: [1, [2, { z: "]" }]] }, {}, { e: [] }],
      assets: [{ key: "é\u2028", deps: ["a,b", "c:d"] }, [3, 4], "text", 5, null, true],
      empty: [],
      nested: { list: [1, 2], s: "}" },
      v: -1.5e-7,
      s: 'a"b',
      n: null,
    };
    for (const value of [...values, tricky]) {
      const text = canonicalJson(value);
      if (text === undefined) continue;
      const parsed: unknown = JSON.parse(text);
      expect(await splitCanonicalText(text, async () => {})).toEqual(canonicalFields(parsed));
    }
    let pauses = 0;
    const many = { a: Array.from({ length: 25 }, (_, i) => ({ i })) };
    await splitCanonicalText(canonicalJson(many), async () => void pauses++, 10);
    expect(pauses).toBe(2);
  });

  it("writes a manifest-sized value one element at a time, and hashes it as its whole text", () => {
    const manifest = { assets: Array.from({ length: 1_000 }, (_, i) => ({ key: `a${i}`, deps: [`a${i - 1}`] })), steps: [] };
    expect(joined(manifest).count).toBeGreaterThan(2_000);
    expect(contentHash(manifest)).toBe(createHash("sha256").update(canonicalJson(manifest)).digest("hex"));
  });

  it("fails as canonicalJson does on a BigInt", () => {
    expect(() => joined({ list: [1n] })).toThrow(TypeError);
    expect(() => canonicalJson({ list: [1n] })).toThrow(TypeError);
  });
});
