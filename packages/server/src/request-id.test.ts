import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { createLogger, createMemoryLogger } from "./logger.js";
import { useRequestId } from "./request-id.js";
import { pluginTestServer } from "./testing/plugin-server.js";

const logger = createMemoryLogger();
const post = pluginTestServer({
  typeDefs: "type Query { work: String }",
  query: {
    // A resolver that logs across awaits and timers, as a launch does around its queries.
    work: async () => {
      logger.info("started work");
      await sleep(5);
      await new Promise<void>((resolve) => setImmediate(resolve));
      logger.warn("finished work", { rows: 3 });
      return "done";
    },
  },
  plugins: [useRequestId()],
});
const work = (headers: Record<string, string> = {}) => post("{ work }", headers);

describe("request ids", () => {
  it("puts the request's id on every line it logs and returns it as x-request-id", async () => {
    logger.lines.length = 0;
    const [first, second] = await Promise.all([work(), work()]);
    const ids = [first.headers.get("x-request-id"), second.headers.get("x-request-id")];
    expect(ids[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(ids[1]).not.toBe(ids[0]);
    // Interleaved requests: each line carries the id of the request that wrote it.
    for (const id of ids) {
      expect(logger.lines.filter((l) => l.requestId === id).map((l) => l.message)).toEqual(["started work", "finished work"]);
    }
    expect(logger.lines.find((l) => l.message === "finished work")).toMatchObject({ level: "warn", rows: 3 });
  });

  it("keeps a sane incoming x-request-id and replaces one that is not", async () => {
    const kept = await work({ "x-request-id": "lb-7f3a.42" });
    expect(kept.headers.get("x-request-id")).toBe("lb-7f3a.42");
    const replaced = await work({ "x-request-id": `evil\tid ${"x".repeat(200)}` });
    expect(replaced.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("logs nothing below the configured level and JSON with ISO times above it", () => {
    const lines: string[] = [];
    const quiet = createLogger("warn", { write: (line: string) => void lines.push(line) });
    quiet.info("not shown");
    quiet.error("shown", { error: new TypeError("boom") });
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!) as Record<string, any>;
    expect(line).toMatchObject({ level: "error", message: "shown", error: { type: "TypeError", message: "boom" } });
    expect(new Date(line.time).toISOString()).toBe(line.time);
  });
});
