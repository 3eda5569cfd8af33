import { promisify } from "node:util";
import { gunzip, gzip } from "node:zlib";

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/**
 * How a manifest is stored in "CodeLocationVersion".manifest: its JSON text (UTF-8) gzip-compressed, off
 * the event loop (libuv's thread pool). A 10,000-asset manifest is ~9 MB of JSON and ~0.6 MB
 * stored; as jsonb, binding it cost PostgreSQL 150-600 ms per registration, and nothing reads it
 * with jsonb operators. Level 1: most of the saving for a fraction of the default level's time.
 */
export function encodeManifestText(json: Buffer): Promise<Buffer> {
  return gzipAsync(json, { level: 1 });
}

/** A stored manifest's JSON: gzip (what encodeManifest writes) or, in rows written before it, plain UTF-8. */
export async function decodeManifest(stored: Uint8Array): Promise<unknown> {
  const gzipped = stored.length >= 2 && stored[0] === 0x1f && stored[1] === 0x8b;
  const bytes = gzipped ? await gunzipAsync(stored) : stored;
  return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8"));
}
