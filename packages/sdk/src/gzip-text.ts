import { gzipInSlices, textSlices } from "@strata/protocol/text-gzip";

/** Characters encoded and compressed at a time through CompressionStream. */
const GZIP_SLICE = 1 << 22;

type Zlib = typeof import("node:zlib");
let zlib: Promise<Zlib | null> | undefined;

/**
 * node:zlib where the runtime has it (Node.js and those that mimic it), else null (browsers).
 * Its name is not a literal, so a bundler for the browser leaves the import alone.
 */
function nodeZlib(): Promise<Zlib | null> {
  const name = "node:zlib";
  zlib ??=
    typeof process !== "undefined" && process.versions?.node
      ? (import(/* @vite-ignore */ name) as Promise<Zlib>).catch(() => null)
      : Promise.resolve(null);
  return zlib;
}

/**
 * `text` as UTF-8, gzipped. With node:zlib at level 1 where there is one: for a 100,000-asset
 * manifest (~84 MB of JSON) ~0.2 s, against ~1.4 s through CompressionStream, whose level is
 * zlib's default, for a body a third larger (4.8 MB instead of 3.6).
 */
export async function gzipText(text: string): Promise<Uint8Array<ArrayBuffer> | ArrayBuffer> {
  const zlib = await nodeZlib();
  return zlib ? gzipWithZlib(zlib, text) : gzipWithStream(text);
}

/** node:zlib's output chunks joined into one body. */
async function gzipWithZlib(zlib: Zlib, text: string): Promise<Uint8Array<ArrayBuffer>> {
  const out = await gzipInSlices(zlib.createGzip, text);
  const body = new Uint8Array(out.reduce((n, chunk) => n + chunk.length, 0));
  let at = 0;
  for (const chunk of out) {
    body.set(chunk, at);
    at += chunk.length;
  }
  return body;
}

/** Through CompressionStream, in slices: a Blob of the whole text and its stream of small chunks took twice as long. */
export async function gzipWithStream(text: string): Promise<ArrayBuffer> {
  const stream = new CompressionStream("gzip");
  const compressed = new Response(stream.readable).arrayBuffer();
  const writer = stream.writable.getWriter();
  const encoder = new TextEncoder();
  for (const [from, to] of textSlices(text, GZIP_SLICE)) {
    await writer.ready;
    // A failed write fails the stream, hence `compressed` and `close()`; no need to await each one.
    writer.write(encoder.encode(text.slice(from, to))).catch(() => {});
  }
  await writer.close();
  return compressed;
}
