import { createHash } from "node:crypto";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { decodeManifest, encodeManifestText, encodeManifestTextOf, textDigest, utf8InSlices } from "./manifest-store.js";

describe("stored manifests", () => {
  const manifest = { manifestVersion: 6, assets: [{ key: "sales/orders", description: "Ünïcode ✓" }], steps: [] };

  it("are gzip-compressed JSON, read back as written", async () => {
    const text = Buffer.from(JSON.stringify(manifest));
    const stored = await encodeManifestText(text);
    expect([stored[0], stored[1]]).toEqual([0x1f, 0x8b]);
    expect(await decodeManifest(stored)).toEqual(manifest);
  });

  it("written before compression (plain UTF-8 JSON, as the migration converted them) still read", async () => {
    expect(await decodeManifest(new Uint8Array(Buffer.from(JSON.stringify(manifest))))).toEqual(manifest);
  });

  describe("encoded a slice of the text at a time", () => {
    // Slices are 2^18 characters: a text of several, with two- and three-byte characters and
    // surrogate pairs (four bytes, two characters) across every slice boundary.
    const slice = 1 << 18;
    const filler = "a".repeat(slice - 1);
    const text = `${filler}😀${filler}é✓${filler}😀😀${"x".repeat(1000)}`;
    const bytes = Buffer.from(text);

    it("hash, compress and encode exactly the text's UTF-8 bytes, whatever falls on a slice's edge", async () => {
      expect(textDigest(text)).toBe(createHash("sha256").update(bytes).digest("hex"));
      expect((await utf8InSlices(text)).equals(bytes)).toBe(true);
      const stored = await encodeManifestTextOf(text);
      expect([stored[0], stored[1]]).toEqual([0x1f, 0x8b]);
      expect(gunzipSync(stored).equals(bytes)).toBe(true);
    });

    it("handle the empty text and a text shorter than a slice", async () => {
      expect(textDigest("")).toBe(createHash("sha256").update("").digest("hex"));
      expect(gunzipSync(await encodeManifestTextOf("")).length).toBe(0);
      expect((await utf8InSlices("")).length).toBe(0);
      const stored = await encodeManifestTextOf(JSON.stringify(manifest));
      expect(await decodeManifest(stored)).toEqual(manifest);
    });
  });
});
