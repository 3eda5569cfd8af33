/**
 * @strata/protocol/text-gzip: a large text (a manifest's JSON, ~84 MB for 100,000 assets) as
 * UTF-8, hashed or gzipped a slice at a time, never as one buffer of the whole text: on the
 * machines we measure on, the kernel handing a fresh 84 MB buffer its pages cost 0.8-1.8 s,
 * more than compressing it. The location (the SDK, sending a registration) and the server
 * (storing the manifest it received) compress the same texts the same way, so they share this.
 *
 * No import of node:zlib here: the SDK runs in browsers too, so a caller passes `createGzip`
 * (node:zlib's, or anything with its stream contract).
 */

/**
 * Characters encoded at a time: at most 3 bytes each in UTF-8 (a surrogate pair is 4 bytes for
 * 2 characters), so a slice fits a buffer of 3 × SLICE_CHARS bytes.
 */
export const SLICE_CHARS = 1 << 18;

/**
 * `text`'s slices [from, to) of `size` characters or one fewer: a surrogate pair is never split
 * (each half alone would encode as U+FFFD), its high half starts the next slice instead.
 */
export function* textSlices(text: string, size = SLICE_CHARS): Generator<[number, number]> {
  for (let from = 0; from < text.length; ) {
    let to = Math.min(from + size, text.length);
    const last = text.charCodeAt(to - 1);
    if (to < text.length && last >= 0xd800 && last <= 0xdbff) to--;
    yield [from, to];
    from = to;
  }
}

/** What gzipInSlices needs of a gzip stream: node:zlib's `Gzip`, structurally. */
interface GzipStream {
  on(event: "data", listener: (chunk: Uint8Array) => void): unknown;
  once(event: "end", listener: () => void): unknown;
  once(event: "error", listener: (error: Error) => void): unknown;
  write(chunk: Uint8Array, callback: (error?: Error | null) => void): unknown;
  end(): unknown;
}

/** node:zlib's `createGzip`, as gzipInSlices calls it. */
export type CreateGzip = (options: { level: number; chunkSize: number }) => GzipStream;

/**
 * `text` in UTF-8, gzipped at level 1 (most of the saving for a fraction of the default level's
 * time), as the stream's output chunks in order. Slices are encoded into two buffers in turn and
 * compressed by the stream (node:zlib's on libuv's thread pool) one while the next is encoded,
 * with this thread's other work between them. The output buffers are 1 MB: zlib hands each full
 * one back to this thread before it goes on, and JSON compresses ~15×.
 */
export async function gzipInSlices(createGzip: CreateGzip, text: string): Promise<Uint8Array[]> {
  const gzip = createGzip({ level: 1, chunkSize: 1 << 20 });
  const out: Uint8Array[] = [];
  gzip.on("data", (chunk) => out.push(chunk));
  const ended = new Promise<void>((resolve, reject) => {
    gzip.once("end", resolve);
    gzip.once("error", reject);
  });
  ended.catch(() => {}); // The stream's error reaches a write's callback first.
  const encoder = new TextEncoder();
  const buffers = [new Uint8Array(3 * SLICE_CHARS), new Uint8Array(3 * SLICE_CHARS)];
  // A buffer is written again once the stream has consumed what it held (its write's callback).
  const consumed: Promise<void>[] = [Promise.resolve(), Promise.resolve()];
  let slice = 0;
  for (const [from, to] of textSlices(text)) {
    const i = slice++ % 2;
    await consumed[i];
    const buffer = buffers[i]!;
    const { written } = encoder.encodeInto(text.slice(from, to), buffer);
    consumed[i] = new Promise((resolve, reject) => gzip.write(buffer.subarray(0, written), (error) => (error ? reject(error) : resolve())));
  }
  await Promise.all(consumed);
  gzip.end();
  await ended;
  return out;
}
