import { gunzipSync, createGzip } from "node:zlib";
import { describe, expect, it } from "vitest";
import { gzipInSlices, SLICE_CHARS, textSlices } from "./text-gzip.js";

describe("a text a slice at a time", () => {
  // Two- and three-byte characters and surrogate pairs (four bytes, two characters) on slice edges.
  const filler = "a".repeat(SLICE_CHARS - 1);
  const text = `${filler}😀${filler}é✓${filler}😀😀${"x".repeat(1000)}`;

  it("cuts slices that cover the text in order, never between a surrogate pair's halves", () => {
    const slices = [...textSlices(text)];
    expect(slices[0]).toEqual([0, SLICE_CHARS - 1]);
    expect(slices.at(-1)![1]).toBe(text.length);
    for (const [i, [from, to]] of slices.entries()) {
      expect(from).toBe(i === 0 ? 0 : slices[i - 1]![1]);
      if (i < slices.length - 1) expect([SLICE_CHARS - 1, SLICE_CHARS]).toContain(to - from);
      const high = text.charCodeAt(to - 1);
      expect(high >= 0xd800 && high <= 0xdbff).toBe(false);
    }
    expect([...textSlices("")]).toEqual([]);
    expect([...textSlices("ab😀", 3)]).toEqual([
      [0, 2],
      [2, 4],
    ]);
  });

  it("gzips to exactly the text's UTF-8 bytes, the empty text included", async () => {
    const chunks = await gzipInSlices(createGzip, text);
    const body = Buffer.concat(chunks);
    expect([body[0], body[1]]).toEqual([0x1f, 0x8b]);
    expect(gunzipSync(body).equals(Buffer.from(text))).toBe(true);
    expect(gunzipSync(Buffer.concat(await gzipInSlices(createGzip, ""))).length).toBe(0);
  });

  it("rejects with the stream's error when compressing fails", async () => {
    const failing = (options: { level: number; chunkSize: number }) => {
      const gzip = createGzip(options);
      gzip.destroy(new Error("disk on fire"));
      return gzip;
    };
    await expect(gzipInSlices(failing, "some text")).rejects.toThrow(/disk on fire|destroyed/);
  });
});
