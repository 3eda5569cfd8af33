import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { coalesceWrites } from "./event-stream-writes.js";

const nextTick = () => new Promise<void>((resolve) => process.nextTick(resolve));

let server: Server | null = null;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/**
 * A server whose handler writes `chunks` one tick apart (as yoga delivers a subscription's
 * results), counting the writes that reached its socket (each one a system call).
 */
async function serve(chunks: string[], coalesce: boolean, then: (res: ServerResponse) => Promise<void>) {
  let socketWrites = 0;
  server = createServer(async (_req, res) => {
    const socket = res.socket as Socket & { _write: Function; _writev: Function };
    for (const name of ["_write", "_writev"] as const) {
      const original = socket[name];
      socket[name] = function (this: Socket, ...args: unknown[]) {
        socketWrites++;
        return original.apply(this, args);
      };
    }
    if (coalesce) coalesceWrites(res);
    res.writeHead(200, { "content-type": "text/event-stream" });
    for (const chunk of chunks) {
      res.write(chunk);
      await nextTick();
    }
    await then(res);
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  const response = await fetch(`http://127.0.0.1:${(server!.address() as AddressInfo).port}/`);
  return { reader: response.body!.pipeThrough(new TextDecoderStream()).getReader(), socketWrites: () => socketWrites };
}

async function readAll(reader: ReadableStreamDefaultReader<string>, length: number) {
  let text = "";
  while (text.length < length) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  return text;
}

describe("coalesceWrites", () => {
  const chunks = Array.from({ length: 200 }, (_, i) => `data: ${i}\n\n`);
  const all = chunks.join("");

  it("sends a turn's writes in one go, all of them and in order", async () => {
    const { reader, socketWrites } = await serve(chunks, true, async (res) => void res.end());
    expect(await readAll(reader, all.length)).toBe(all);
    // Its first 16 writes go out at once (a watcher's first events), the other 184 together.
    expect(socketWrites()).toBeLessThanOrEqual(16 + 3);
  });

  it("without it, each write is a system call of its own (what it saves)", async () => {
    const { reader, socketWrites } = await serve(chunks, false, async (res) => void res.end());
    expect(await readAll(reader, all.length)).toBe(all);
    expect(socketWrites()).toBeGreaterThan(100);
  });

  it("sends a lone write at the end of its turn, with nothing after it and the response still open", async () => {
    let finish!: () => void;
    const open = new Promise<void>((resolve) => (finish = resolve));
    // Past the writes that always go out at once.
    const { reader } = await serve(chunks, true, async (res) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      res.write("data: lone\n\n");
      await open;
      res.end();
    });
    expect(await readAll(reader, all.length + "data: lone\n\n".length)).toBe(`${all}data: lone\n\n`);
    finish();
  });
});
