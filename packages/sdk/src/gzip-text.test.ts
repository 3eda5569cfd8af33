import { describe, expect, it } from "vitest";
import { gzipText, gzipWithStream } from "./gzip-text.js";

const gunzip = async (bytes: Uint8Array | ArrayBuffer) =>
  new Response(new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream("gzip"))).text();

describe("gzipText", () => {
  it("gives back the same text, a surrogate pair across two slices included", async () => {
    // Slices are 2^18 characters through node:zlib (here), 4 Mi through CompressionStream:
    // an emoji's two halves on either side of the cuts of both, and characters of every UTF-8 length.
    const text = `${"a".repeat((1 << 18) - 1)}😀é✓${"b".repeat((1 << 22) - (1 << 18) - 4)}😀${"c".repeat(1000)}`;
    expect(text.charCodeAt((1 << 22) - 1)).toBe(0xd83d);
    const zlib = await gzipText(text);
    expect([new Uint8Array(zlib)[0], new Uint8Array(zlib)[1]]).toEqual([0x1f, 0x8b]);
    expect(await gunzip(zlib)).toBe(text);
    expect(await gunzip(await gzipWithStream(text))).toBe(text);
    expect(await gunzip(await gzipText(""))).toBe("");
    expect(await gunzip(await gzipWithStream(""))).toBe("");
  });
});
