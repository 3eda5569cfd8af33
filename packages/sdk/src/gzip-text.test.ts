import { describe, expect, it } from "vitest";
import { gzipText } from "./gzip-text.js";

const gunzip = async (bytes: ArrayBuffer) => new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"))).text();

describe("gzipText", () => {
  it("gives back the same text, a surrogate pair across two slices included", async () => {
    // The slices are 4 Mi characters: put an emoji's two halves on either side of the first cut.
    const text = `${"a".repeat((1 << 22) - 1)}😀é${"b".repeat(1 << 22)}`;
    expect(await gunzip(await gzipText(text))).toBe(text);
    expect(await gunzip(await gzipText(""))).toBe("");
  });
});
