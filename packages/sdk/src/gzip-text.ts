/** Characters encoded and compressed at a time. */
const GZIP_SLICE = 1 << 22;
/** Characters encoded at a time for node:zlib, into buffers reused (at most 3 bytes each in UTF-8). */
const ZLIB_SLICE = 1 << 18;

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

/** `text`'s slices [from, to) of about `size` characters: a surrogate pair is never split (each half alone would encode as U+FFFD). */
function* textSlices(text: string, size: number): Generator<[number, number]> {
  for (let from = 0; from < text.length; ) {
    let to = Math.min(from + size, text.length);
    const last = text.charCodeAt(to - 1);
    if (to < text.length && last >= 0xd800 && last <= 0xdbff) to++;
    yield [from, to];
    from = to;
  }
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

/**
 * Slices are encoded into two buffers in turn (never a buffer of the whole text: the pages of a
 * fresh 84 MB one cost more than compressing it) and compressed on the thread pool, one while
 * the next is encoded.
 */
async function gzipWithZlib(zlib: Zlib, text: string): Promise<Uint8Array<ArrayBuffer>> {
  const gzip = zlib.createGzip({ level: 1, chunkSize: 1 << 20 });
  const out: Uint8Array[] = [];
  gzip.on("data", (chunk: Uint8Array) => out.push(chunk));
  const ended = new Promise<void>((resolve, reject) => gzip.once("end", resolve).once("error", reject));
  ended.catch(() => {}); // The stream's error reaches a write's callback first.
  const encoder = new TextEncoder();
  const buffers = [new Uint8Array(3 * ZLIB_SLICE + 3), new Uint8Array(3 * ZLIB_SLICE + 3)];
  // A buffer is written again once the stream has consumed what it held (its write's callback).
  const consumed: Promise<void>[] = [Promise.resolve(), Promise.resolve()];
  let slice = 0;
  for (const [from, to] of textSlices(text, ZLIB_SLICE)) {
    const i = slice++ % 2;
    await consumed[i];
    const buffer = buffers[i]!;
    const { written } = encoder.encodeInto(text.slice(from, to), buffer);
    consumed[i] = new Promise((resolve, reject) => gzip.write(buffer.subarray(0, written), (error) => (error ? reject(error) : resolve())));
  }
  await Promise.all(consumed);
  gzip.end();
  await ended;
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
