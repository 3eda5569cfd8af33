import { setImmediate as pause } from "node:timers/promises";
import { promisify } from "node:util";
import { gunzip, inflate } from "node:zlib";
import { GraphQLError } from "graphql";
import type { GraphQLParams, Plugin } from "graphql-yoga";
import { noteParsedRequest } from "./input-guard.js";

/** The largest request body the server reads (graphql-yoga's own default), 25 MB. */
export const MAX_REQUEST_BODY_BYTES = 25_000_000;
/**
 * How much larger a compressed body may grow once decompressed: 8× the limit (200 MB by
 * default), room for the largest manifest (200,000 assets) while a "zip bomb" is cut off.
 */
export const DECOMPRESSED_FACTOR = 8;
/** The Content-Encodings a request body may use (the SDK gzips large registrations), and how each decompresses. */
const INFLATE: Record<string, (data: Buffer, options: { maxOutputLength: number; chunkSize: number }) => Promise<Buffer>> = {
  gzip: promisify(gunzip),
  deflate: promisify(inflate),
};

/**
 * zlib's output chunk: each one comes back to this thread before zlib goes on. With its default
 * 16 KB, the ~84 MB of a 100,000-asset manifest came back in ~5,000 turns, ~1.5 s of this
 * thread for the decompression and decoding, against ~0.9 s in 1 MB chunks.
 */
const INFLATE_CHUNK = 1 << 20;

function refused(status: 400 | 413 | 415, code: string, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code, http: { status } } });
}

/**
 * The request body limit, in place of yoga's `maxRequestBodySize` (turned off): yoga pipes every
 * body through a counting stream, which cost ~7% of a trivial request's CPU under load (a stream
 * pipeline, an AbortController and a DOMException per request). A plain body that declares its
 * length is judged by the declaration alone — Node's HTTP parser hands over exactly that many
 * bytes — and only a chunked body, which declares none, is counted as it arrives.
 *
 * A body sent with `Content-Encoding: gzip` or `deflate` is decompressed here (a 100,000-asset
 * manifest of ~78 MB travels as a few MB); its compressed size is held to `limit` and what it
 * decompresses to, to `limit × DECOMPRESSED_FACTOR`. Any other encoding: 415; data that does
 * not decompress: 400.
 *
 * A JSON body (`application/json`, `application/graphql+json`) is parsed here too, as yoga parses
 * it (an object or a batch, else 400), with one difference: a body that is not JSON is refused
 * with JSON.parse's own message, which quotes a few characters around the fault. Yoga's fetch
 * layer appended the whole body to it, so the answer to a malformed 25 MB upload carried those
 * 25 MB back. A decompressed body goes from its bytes to the parser without a Request built around it.
 */
export function useRequestBodyLimit(limit = MAX_REQUEST_BODY_BYTES): Plugin {
  const tooLarge = (max: number, what: string) =>
    refused(413, "REQUEST_ENTITY_TOO_LARGE", `Request body too large: at most ${max} bytes${what}`);
  return {
    onRequestParse({ request, requestParser, setRequestParser, fetchAPI }) {
      const declared = request.headers.get("content-length");
      const encoding = request.headers.get("content-encoding")?.trim().toLowerCase();
      const encoded = encoding !== undefined && encoding !== "" && encoding !== "identity";
      if (encoded && !Object.hasOwn(INFLATE, encoding)) {
        throw refused(415, "UNSUPPORTED_MEDIA_TYPE", `Content-Encoding "${encoding}" is not supported: send gzip, deflate or none`);
      }
      const json = request.method === "POST" && isJsonRequest(request.headers.get("content-type"));
      if (declared !== null) {
        if (!/^\d+$/.test(declared)) throw refused(400, "BAD_REQUEST", "Content-Length header is invalid.");
        if (Number(declared) > limit) throw tooLarge(limit, "");
        if (!encoded && !json) return;
      }
      let body: ReadableStream<Uint8Array> | null = request.body;
      if (!body || !requestParser) return;
      if (declared !== null && !encoded) {
        // A JSON body (any other returned above) within the limit by its declaration: read as it is.
        setRequestParser(async () => parseJsonBody(await request.text()));
        return;
      }
      // Yoga's note: a native stream must go through the native TransformStream, a ponyfilled one through the ponyfill.
      const native = body instanceof ReadableStream;
      const Transform = native ? globalThis.TransformStream : fetchAPI.TransformStream;
      if (declared === null) {
        let seen = 0;
        body = body.pipeThrough(
          new Transform({
            transform(chunk: Uint8Array, controller: TransformStreamDefaultController<Uint8Array>) {
              seen += chunk.byteLength;
              if (seen > limit) controller.error(tooLarge(limit, ""));
              else controller.enqueue(chunk);
            },
          }),
        );
      }
      const headers = new fetchAPI.Headers(request.headers);
      if (encoded) {
        headers.delete("content-encoding");
        headers.delete("content-length");
      }
      const counted = body;
      const Response = native ? globalThis.Response : fetchAPI.Response;
      setRequestParser(async (req) => {
        // A compressed body is read whole (it is held to the limit) and decompressed by zlib on
        // libuv's thread pool, in one call bounded by maxOutputLength. Through the web
        // DecompressionStream it came in small chunks, each through a TransformStream, then
        // joined again on this thread: 8-40 ms for a report of 5,000 events, against 1-8 ms.
        const sent = encoded ? await decompress(encoding, await new Response(counted).arrayBuffer()) : null;
        if (json) {
          const text = sent ? sent.toString("utf8") : await new Response(counted).text();
          // A large body is decoded, then parsed, each in one piece (~0.15 and ~0.8 s for a
          // 100,000-asset manifest): the event loop turns between them and after, so that other
          // requests do not wait behind both and the operation's own checks in a row.
          if (text.length > YIELD_AROUND_CHARS) await pause();
          const parsed = parseJsonBody(text);
          if (text.length > YIELD_AROUND_CHARS) await pause();
          return parsed;
        }
        return requestParser(
          new fetchAPI.Request(req.url, {
            method: req.method,
            headers,
            signal: req.signal,
            body: sent ? new Uint8Array(sent.buffer as ArrayBuffer, sent.byteOffset, sent.byteLength) : counted,
            // @ts-expect-error a streamed body needs it; the DOM types lack it
            duplex: "half",
          }),
        );
      });
    },
  };

  async function decompress(encoding: string, compressed: ArrayBuffer): Promise<Buffer> {
    const max = limit * DECOMPRESSED_FACTOR;
    try {
      // zlib's output owns a plain ArrayBuffer: a body may be made of its bytes as they are.
      return await INFLATE[encoding]!(Buffer.from(compressed), { maxOutputLength: max, chunkSize: INFLATE_CHUNK });
    } catch (error) {
      if ((error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") throw tooLarge(max, " decompressed");
      throw refused(400, "BAD_REQUEST", `Request body is not valid ${encoding} data: ${(error as Error).message}`);
    }
  }
}

/** Bodies longer than this (characters) let the event loop turn before and after they are parsed. */
const YIELD_AROUND_CHARS = 1 << 20;

/** Whether a Content-Type is one yoga reads as JSON (its first value, parameters aside). */
function isJsonRequest(contentType: string | null): boolean {
  const type = contentType?.split(",")[0]?.split(";")[0]?.trim().toLowerCase();
  return type === "application/json" || type === "application/graphql+json";
}

/** A JSON body as yoga's parser takes it: an object (one request) or an array (a batch); else 400. */
function parseJsonBody(text: string): GraphQLParams | GraphQLParams[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const { name, message } = error as Error;
    throw new GraphQLError("POST body sent invalid JSON.", {
      extensions: { http: { spec: true, status: 400 }, code: "BAD_REQUEST", originalError: { name, message } },
    });
  }
  if (parsed === null || typeof parsed !== "object") {
    throw refused(400, "BAD_REQUEST", `POST body is expected to be object but received ${parsed === null ? "null" : typeof parsed}`);
  }
  noteParsedRequest(text, parsed);
  return parsed as GraphQLParams | GraphQLParams[];
}
