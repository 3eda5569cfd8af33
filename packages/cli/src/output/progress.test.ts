import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { formatDuration, withProgress } from "./progress.js";

describe("formatDuration", () => {
  it("uses milliseconds, seconds, then minutes", () => {
    expect(formatDuration(850.4)).toBe("850ms");
    expect(formatDuration(2_140)).toBe("2.1s");
    expect(formatDuration(185_000)).toBe("3m 05s");
  });
});

/** A stream that records what is written, a terminal or not. */
function recorder(isTTY: boolean) {
  const stream = Object.assign(new PassThrough(), { isTTY }) as unknown as NodeJS.WriteStream;
  let written = "";
  stream.on("data", (chunk: Buffer) => (written += chunk.toString()));
  return { stream, written: () => written };
}

describe("withProgress", () => {
  it("writes one plain line per step off a terminal", async () => {
    const out = recorder(false);
    expect(await withProgress("Starting", async () => 42, out.stream)).toBe(42);
    expect(out.written()).toMatch(/^✓ Starting \(\d+ms\)\n$/);
  });

  it("says which step failed, and rethrows", async () => {
    const out = recorder(false);
    await expect(withProgress("Starting", () => Promise.reject(new Error("port taken")), out.stream)).rejects.toThrow("port taken");
    expect(out.written()).toBe("✗ Starting\n");
  });
});
