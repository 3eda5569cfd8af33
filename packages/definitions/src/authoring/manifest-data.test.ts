import { describe, expect, it } from "vitest";
import { cloneData, jsonData } from "./manifest-data.js";

/** Every object's keys, depth first, in the order they are listed. */
function keyOrders(value: unknown, into: string[][] = []): string[][] {
  if (Array.isArray(value)) for (const item of value) keyOrders(item, into);
  else if (value !== null && typeof value === "object") {
    into.push(Object.keys(value));
    for (const child of Object.values(value)) keyOrders(child, into);
  }
  return into;
}

class Point {
  constructor(
    readonly y: number,
    readonly x: number,
  ) {}
}

const awkward = (): unknown[] => [
  { b: 1, a: { d: [2, 1], c: null }, "10": "ten", "9": "nine", "": "empty" },
  [1.5e300, -0, Number.NaN, Number.POSITIVE_INFINITY, 'é\u2028"', true, null, undefined, () => 1, Symbol("s")],
  { u: undefined, f: () => 1, s: Symbol("s"), kept: 0 },
  { when: new Date(0), nested: [new Date(86_400_000)] },
  { withKey: { toJSON: (key: string) => `written as ${key}` }, list: [{ toJSON: (key: string) => `at ${key}` }] },
  { boxed: [new Number(2), new String("s"), new Boolean(false)] },
  { point: new Point(2, 1), map: new Map([["a", 1]]), set: new Set([1]) },
  JSON.parse('{"__proto__":{"b":1,"a":2},"z":1}'),
  Object.assign(Object.create(null), { b: 2, a: 1 }),
  [[{ z: [{ y: 1, x: [] }] }]],
];

describe("jsonData", () => {
  it("is JSON.parse(JSON.stringify(value)), with every object's keys sorted as canonical JSON lists them", () => {
    for (const value of awkward()) {
      const copy = jsonData(value);
      const viaJson = JSON.parse(JSON.stringify(value)) as unknown;
      expect(copy).toStrictEqual(viaJson);
      for (const keys of keyOrders(copy)) expect(keys).toEqual(Object.keys(Object.fromEntries([...keys].sort().map((k) => [k, 0]))));
    }
    expect(Object.keys(jsonData({ b: 1, "10": 2, a: 3, "9": 4 }) as object)).toEqual(["9", "10", "a", "b"]);
  });

  it("shares nothing with what it copies", () => {
    const value = { list: [{ a: 1 }], nested: { b: [2] } };
    const copy = jsonData(value) as typeof value;
    copy.list[0]!.a = 9;
    copy.nested.b.push(3);
    expect(value).toEqual({ list: [{ a: 1 }], nested: { b: [2] } });
  });

  it("fails as JSON does on a BigInt and on a cycle", () => {
    expect(() => jsonData({ n: 1n })).toThrow(TypeError);
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(() => jsonData(cycle)).toThrow(RangeError);
  });
});

describe("cloneData", () => {
  it("is what structuredClone gives for plain data, undefined fields and holes included", () => {
    // biome-ignore lint/suspicious/noSparseArray: a hole is the point
    const holey = [1, , 3];
    const values: unknown[] = [
      { b: 1, a: { d: [2, 1], c: null, u: undefined }, "10": "ten", "9": "nine" },
      [1.5e300, -0, Number.NaN, undefined, "é", holey, new Array(2)],
      { when: new Date(0), map: new Map([["a", { b: 1 }]]), point: new Point(2, 1) },
      JSON.parse('{"__proto__":{"b":1},"z":1}'),
      Object.assign(Object.create(null), { b: 2, a: 1 }),
    ];
    for (const value of values) {
      const copy = cloneData(value);
      expect(copy).toStrictEqual(structuredClone(value));
      expect(keyOrders(copy)).toEqual(keyOrders(structuredClone(value)));
    }
    expect(1 in (cloneData(holey) as unknown[])).toBe(false);
    expect(Object.hasOwn(cloneData(JSON.parse('{"__proto__":{"b":1}}')) as object, "__proto__")).toBe(true);
  });

  it("shares nothing with what it copies, and refuses what structuredClone refuses", () => {
    const value = { list: [{ a: 1 }] };
    const copy = cloneData(value);
    copy.list[0]!.a = 9;
    expect(value.list[0]!.a).toBe(1);
    expect(() => cloneData({ f: () => 1 })).toThrow(DOMException);
  });
});
