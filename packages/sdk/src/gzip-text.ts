/** Characters encoded and compressed at a time. */
const GZIP_SLICE = 1 << 22;

/**
 * `text` as UTF-8, gzipped. Written in slices: a Blob of the whole text (100 MB for a
 * 100,000-asset manifest) and its stream of small chunks took twice as long.
 */
export async function gzipText(text: string): Promise<ArrayBuffer> {
  const stream = new CompressionStream("gzip");
  const compressed = new Response(stream.readable).arrayBuffer();
  const writer = stream.writable.getWriter();
  const encoder = new TextEncoder();
  for (let start = 0; start < text.length; ) {
    let end = Math.min(start + GZIP_SLICE, text.length);
    // Never between the two halves of a surrogate pair: each half alone would encode as U+FFFD.
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end++;
    await writer.ready;
    // A failed write fails the stream, hence `compressed` and `close()`; no need to await each one.
    writer.write(encoder.encode(text.slice(start, end))).catch(() => {});
    start = end;
  }
  await writer.close();
  return compressed;
}
