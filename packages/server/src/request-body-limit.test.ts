import { createSchema, createYoga } from "graphql-yoga";
import { describe, expect, it } from "vitest";
import { useRequestBodyLimit } from "./request-body-limit.js";

/** The Content-Length each request reached the limit with: null for a streamed body. */
const declared: Array<string | null> = [];
const yoga = createYoga({
  schema: createSchema({
    typeDefs: "type Query { echo(text: String!): Int! }",
    resolvers: { Query: { echo: (_: unknown, a: { text: string }) => a.text.length } },
  }),
  maxRequestBodySize: false,
  logging: false,
  plugins: [{ onRequestParse: ({ request }) => void declared.push(request.headers.get("content-length")) }, useRequestBodyLimit(1_000)],
});
const body = (length: number) => JSON.stringify({ query: `{ echo(text: "${"x".repeat(length)}") }` });
const post = (init: RequestInit) => yoga.fetch("http://strata/graphql", { method: "POST", ...init });

describe("useRequestBodyLimit", () => {
  it("answers a body within the limit, declared or streamed", async () => {
    const declared = await post({ headers: { "content-type": "application/json" }, body: body(100) });
    expect(await declared.json()).toEqual({ data: { echo: 100 } });
    const streamed = await post({
      headers: { "content-type": "application/json" },
      body: new Blob([body(100)]).stream(),
      // @ts-expect-error a streamed body needs it
      duplex: "half",
    });
    expect(await streamed.json()).toEqual({ data: { echo: 100 } });
  });

  it("refuses with 413 a body that declares more than the limit, without reading it", async () => {
    const response = await post({ headers: { "content-type": "application/json", "content-length": "5000" }, body: body(4_950) });
    expect(response.status).toBe(413);
    expect((await response.json()).errors[0]).toMatchObject({
      message: "Request body too large: at most 1000 bytes",
      extensions: { code: "REQUEST_ENTITY_TOO_LARGE" },
    });
  });

  it("counts a body that declares no length, and refuses it with 413 once past the limit", async () => {
    const response = await post({
      headers: { "content-type": "application/json" },
      body: new Blob([body(2_000)]).stream(),
      // @ts-expect-error a streamed body needs it
      duplex: "half",
    });
    expect(response.status).toBe(413);
    expect(declared.at(-1)).toBeNull();
  });

  it("decompresses a gzip body, holds what it decompresses to, and refuses other encodings with 415", async () => {
    const gzip = (text: string) => new Response(new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer();
    const small = await gzip(body(900));
    expect(small.byteLength).toBeLessThan(1_000);
    const ok = await post({ headers: { "content-type": "application/json", "content-encoding": "gzip" }, body: small });
    expect(await ok.json()).toEqual({ data: { echo: 900 } });
    // Compresses to far under the limit, decompresses to over 8 × 1,000 bytes.
    const bomb = await gzip(body(9_000));
    expect(bomb.byteLength).toBeLessThan(1_000);
    const refused = await post({ headers: { "content-type": "application/json", "content-encoding": "gzip" }, body: bomb });
    expect(refused.status).toBe(413);
    expect((await refused.json()).errors[0].message).toBe("Request body too large: at most 8000 bytes decompressed");
    const brotli = await post({ headers: { "content-type": "application/json", "content-encoding": "br" }, body: small });
    expect(brotli.status).toBe(415);
  });

  it("decompresses deflate and a streamed gzip body, and refuses with 400 data that does not decompress", async () => {
    const compress = (format: CompressionFormat, text: string) =>
      new Response(new Blob([text]).stream().pipeThrough(new CompressionStream(format))).arrayBuffer();
    const deflated = await post({
      headers: { "content-type": "application/json", "content-encoding": "deflate" },
      body: await compress("deflate", body(500)),
    });
    expect(await deflated.json()).toEqual({ data: { echo: 500 } });
    const streamed = await post({
      headers: { "content-type": "application/json", "content-encoding": "gzip" },
      body: new Blob([await compress("gzip", body(700))]).stream(),
      // @ts-expect-error a streamed body needs it
      duplex: "half",
    });
    expect(await streamed.json()).toEqual({ data: { echo: 700 } });
    // A gzip body cut in half, and one that is not gzip at all.
    const whole = new Uint8Array(await compress("gzip", body(700)));
    for (const broken of [whole.slice(0, whole.length >> 1), new TextEncoder().encode(body(10))]) {
      const response = await post({ headers: { "content-type": "application/json", "content-encoding": "gzip" }, body: broken });
      expect(response.status).toBe(400);
      expect((await response.json()).errors[0]).toMatchObject({
        message: expect.stringMatching(/^Request body is not valid gzip data: /),
        extensions: { code: "BAD_REQUEST" },
      });
    }
  });

  it("refuses a body that is not JSON with JSON.parse's own message, without sending the body back", async () => {
    const gzip = (text: string) => new Response(new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer();
    // Cut short, and with a typo near its end: 900 characters the answer must not repeat.
    const broken = [`{"query": "{ echo(text: \\"${"y".repeat(900)}`, `{"query": "{ echo(text: \\"${"y".repeat(880)}\\") }",}`];
    for (const text of broken) {
      const answers = [
        await post({ headers: { "content-type": "application/json" }, body: text }),
        await post({ headers: { "content-type": "application/json", "content-encoding": "gzip" }, body: await gzip(text) }),
        await post({
          headers: { "content-type": "application/json" },
          body: new Blob([text]).stream(),
          // @ts-expect-error a streamed body needs it
          duplex: "half",
        }),
      ];
      for (const response of answers) {
        expect(response.status).toBe(400);
        const answer = await response.text();
        expect(answer.length).toBeLessThan(400);
        expect(JSON.parse(answer).errors).toEqual([
          {
            message: "POST body sent invalid JSON.",
            extensions: {
              code: "BAD_REQUEST",
              originalError: { name: "SyntaxError", message: expect.stringMatching(/JSON/) },
            },
          },
        ]);
      }
    }
  });

  it("refuses with 400 a JSON body that is not an object, as yoga does", async () => {
    for (const [text, kind] of [
      ["42", "number"],
      ["null", "null"],
      ['"query"', "string"],
    ]) {
      const response = await post({ headers: { "content-type": "application/json; charset=utf-8" }, body: text });
      expect(response.status).toBe(400);
      expect((await response.json()).errors[0]).toMatchObject({
        message: `POST body is expected to be object but received ${kind}`,
        extensions: { code: "BAD_REQUEST" },
      });
    }
  });

  it("refuses a Content-Length that is not one number", async () => {
    const response = await post({ headers: { "content-type": "application/json", "content-length": "12, 12" }, body: body(1) });
    expect(response.status).toBe(400);
  });
});
