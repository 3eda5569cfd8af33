import { describe, expect, it } from "vitest";
import { manifestHashAndDigests } from "./hash.js";
import { deltaSegment, manifestDelta } from "./manifest-delta.js";

const asset = (key: string, description = "") => ({ key, description });
const manifestWith = (assets: object[], steps: object[] = []) => ({ manifestVersion: 3, assets, steps });
const baseOf = (manifest: object) => ({ hash: "base-hash", digests: manifestHashAndDigests(manifest).digests });

describe("manifestDelta", () => {
  it("refers to the base's items by index range and sends the others in full", () => {
    const base = manifestWith([asset("a"), asset("b"), asset("c"), asset("d"), asset("e")], [{ key: "s" }]);
    const next = manifestWith([asset("a"), asset("b"), asset("c", "changed"), asset("d"), asset("e"), asset("f")], [{ key: "s" }]);
    const found = manifestDelta(next, manifestHashAndDigests(next).digests, baseOf(base))!;
    expect(found.sent).toBe(2);
    expect(found.delta).toEqual({
      base: "base-hash",
      manifest: { manifestVersion: 3, assets: [[0, 2], asset("c", "changed"), [3, 5], asset("f")], steps: [[0, 1]] },
    });
  });

  it("follows items that moved, and leaves out the ones removed", () => {
    const base = manifestWith([asset("a"), asset("b"), asset("c")]);
    const next = manifestWith([asset("c"), asset("a")]);
    const found = manifestDelta(next, manifestHashAndDigests(next).digests, baseOf(base))!;
    expect(found).toEqual({
      sent: 0,
      delta: {
        base: "base-hash",
        manifest: {
          manifestVersion: 3,
          assets: [
            [2, 3],
            [0, 1],
          ],
          steps: [],
        },
      },
    });
  });

  it("finds items wherever they moved, past the first few looked for by scanning, and only at a digest's start", () => {
    const keys = Array.from({ length: 40 }, (_, i) => `k${String(i).padStart(2, "0")}`);
    const base = manifestWith(keys.map((k) => asset(k)));
    // Reversed, one changed: each item is somewhere else in the base (the first 16 found by a
    // scan of the base's digests, the others through an index of them).
    const next = manifestWith([...keys].reverse().map((k) => asset(k, k === "k10" ? "changed" : "")));
    const found = manifestDelta(next, manifestHashAndDigests(next).digests, baseOf(base))!;
    expect(found.sent).toBe(1);
    expect(found.delta.manifest.assets).toEqual([...keys].reverse().map((k, i) => (k === "k10" ? asset(k, "changed") : [39 - i, 40 - i])));
    // A digest found only across two of the base's (its second half and the next one's first) is not there.
    const one = manifestWith([asset("a")]);
    const straddled = { hash: "base-hash", digests: { assets: `xxxxxxxxAAAAAAAABBBBBBBByyyyyyyy` } };
    expect(manifestDelta(one, { assets: "AAAAAAAABBBBBBBB", steps: "" }, straddled)).toBeNull();
    const aligned = { hash: "base-hash", digests: { assets: `xxxxxxxxAAAAAAAABBBBBBBByyyyyyyyAAAAAAAABBBBBBBB` } };
    expect(manifestDelta(one, { assets: "AAAAAAAABBBBBBBB", steps: "" }, aligned)!.delta.manifest.assets).toEqual([[2, 3]]);
  });

  it("is null when it would not help or cannot be written", () => {
    const base = manifestWith([asset("a")]);
    const unrelated = manifestWith([asset("x")]);
    expect(manifestDelta(unrelated, manifestHashAndDigests(unrelated).digests, baseOf(base))).toBeNull();
    const scalars = { ...manifestWith([asset("a")]), tags: ["t"] };
    expect(manifestDelta(scalars, manifestHashAndDigests(scalars).digests, baseOf(base))).toBeNull();
    // Digests that do not match the manifest's lists.
    expect(manifestDelta(base, { assets: "" }, baseOf(base))).toBeNull();
    expect(manifestDelta([asset("a")], {}, baseOf(base))).toBeNull();
  });
});

describe("deltaSegment", () => {
  it("reads a range or an item, and nothing else", () => {
    expect(deltaSegment([0, 3])).toEqual({ range: [0, 3] });
    expect(deltaSegment({ key: "a" })).toEqual({ item: { key: "a" } });
    for (const bad of [[3, 3], [4, 1], [-1, 2], [0.5, 2], [0, 1, 2], "a", 1, null]) expect(deltaSegment(bad)).toBeNull();
  });
});
