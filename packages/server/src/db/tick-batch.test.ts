import { describe, expect, it } from "vitest";
import { tickBatcher } from "./tick-batch.js";

describe("tickBatcher", () => {
  it("loads the keys of one tick's calls of the same scope and group once, and each call gets the whole map", async () => {
    const batch = tickBatcher<number>();
    const loads: string[][] = [];
    const load = async (keys: string[]) => (loads.push(keys), new Map(keys.map((key) => [key, key.length])));
    const scope = {};
    const [a, b, other] = await Promise.all([
      batch(scope, "field", ["a"], load),
      batch(scope, "field", ["bb", "a"], load),
      batch(scope, "other field", ["ccc"], load),
    ]);
    expect(loads).toEqual([["a", "bb"], ["ccc"]]);
    expect(a).toBe(b);
    expect(a.get("bb")).toBe(2);
    expect(other.get("ccc")).toBe(3);
  });

  it("starts a new batch once the previous one has closed, and keeps scopes apart", async () => {
    const batch = tickBatcher<string>();
    const loads: string[][] = [];
    const load = async (keys: string[]) => (loads.push(keys), new Map(keys.map((key) => [key, key])));
    const scope = {};
    await batch(scope, null, ["a"], load);
    await Promise.all([batch(scope, null, ["b"], load), batch({}, null, ["c"], load)]);
    expect(loads).toEqual([["a"], ["b"], ["c"]]);
  });
});
