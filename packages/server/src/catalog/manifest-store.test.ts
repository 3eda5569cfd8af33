import { describe, expect, it } from "vitest";
import { decodeManifest, encodeManifestText } from "./manifest-store.js";

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
});
