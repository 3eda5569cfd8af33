import { createHash } from "node:crypto";
import { setImmediate as turn } from "node:timers/promises";
import { promisify } from "node:util";
import { createGzip, gunzip, gzip } from "node:zlib";
import { SLICE_CHARS, gzipInSlices, textSlices } from "@strata/protocol/text-gzip";
import type { Sql } from "../db/sql.js";

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/**
 * How a manifest is stored in "CodeLocationVersion".manifest: its JSON text (UTF-8) gzip-compressed, off
 * the event loop (libuv's thread pool). A 10,000-asset manifest is ~9 MB of JSON and ~0.6 MB
 * stored; as jsonb, binding it cost PostgreSQL 150-600 ms per registration, and nothing reads it
 * with jsonb operators. Level 1: most of the saving for a fraction of the default level's time.
 *
 * One output buffer for the whole result (JSON compresses well over 4×): zlib hands each full
 * buffer back to this thread before compressing on, so with its default 16 KB the ~40 buffers
 * of a 10,000-asset manifest waited, one by one, for every turn of a busy event loop. On PGlite,
 * whose statements run on this thread, that was ~100 ms after the nodes' insert; now it is done
 * during it.
 */
export function encodeManifestText(json: Buffer): Promise<Buffer> {
  return gzipAsync(json, { level: 1, chunkSize: Math.max(64 * 1024, Math.ceil(json.length / 4)) });
}

/** SHA-256 (hex) of `text` in UTF-8, encoded a slice at a time: what createHash of its bytes gives. */
export function textDigest(text: string): string {
  const hash = createHash("sha256");
  const scratch = Buffer.allocUnsafe(3 * SLICE_CHARS);
  for (const [from, to] of textSlices(text)) hash.update(scratch.subarray(0, scratch.write(text.slice(from, to))));
  return hash.digest("hex");
}

/**
 * encodeManifestText of `text` in UTF-8, without its bytes whole (@strata/protocol/text-gzip,
 * as the SDK compresses the registration that carried it).
 */
export async function encodeManifestTextOf(text: string): Promise<Buffer> {
  return Buffer.concat(await gzipInSlices(createGzip, text));
}

/**
 * `text` in UTF-8, encoded a slice at a time with a turn of the event loop between slices: for
 * work behind a registration, which must not hold the thread for the ~1 s a 100,000-asset text
 * takes at once.
 */
export async function utf8InSlices(text: string): Promise<Buffer> {
  const bytes = Buffer.allocUnsafe(Buffer.byteLength(text));
  let length = 0;
  for (const [from, to] of textSlices(text)) {
    length += bytes.write(text.slice(from, to), length);
    await turn();
  }
  return bytes;
}

/**
 * The column crosses the driver as base64 text: `decode($n, 'base64')` to write, `encode(manifest,
 * 'base64')` to read. PGlite passes bytea across its JS/WASM boundary as hex text converted a
 * character at a time: a 1.5 MB value took 180-480 ms to write and ~130 ms to read there, against
 * 20-70 and 6-10 ms as base64; on PostgreSQL either way costs a few ms. Measured on 2 cores.
 */
export const MANIFEST_AS_BASE64 = `encode(manifest, 'base64')`;

/** A stored manifest's JSON from the column's base64 text (MANIFEST_AS_BASE64). */
export function decodeManifestBase64(base64: string): Promise<unknown> {
  return decodeManifest(Buffer.from(base64, "base64"));
}

/** The JSON of manifest version `versionId` as it was registered, or null when there is no such version. */
export async function readStoredManifest(sql: Sql, versionId: string): Promise<unknown | null> {
  const [row] = await sql.query<{ manifest: string }>(`SELECT ${MANIFEST_AS_BASE64} AS manifest FROM "CodeLocationVersion" WHERE id = $1`, [
    versionId,
  ]);
  return row ? decodeManifestBase64(row.manifest) : null;
}

/** A stored manifest's JSON: gzip (what encodeManifest writes) or, in rows written before it, plain UTF-8. */
export async function decodeManifest(stored: Uint8Array): Promise<unknown> {
  const gzipped = stored.length >= 2 && stored[0] === 0x1f && stored[1] === 0x8b;
  const bytes = gzipped ? await gunzipAsync(stored) : stored;
  return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8"));
}
