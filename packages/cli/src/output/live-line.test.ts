import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { CLEAR_LINE, LiveLine } from "./live-line.js";

function recorder(columns = 80) {
  const stream = Object.assign(new PassThrough(), { isTTY: true, columns });
  let written = "";
  stream.on("data", (chunk: Buffer) => (written += chunk.toString()));
  return { stream, written: () => written };
}

describe("LiveLine", () => {
  it("keeps the status under the printed lines on a terminal", () => {
    const out = recorder();
    const live = new LiveLine(out.stream);
    live.status("1/2 steps");
    live.print("✓ a succeeded");
    live.clear();
    expect(out.written()).toBe(`${CLEAR_LINE}1/2 steps${CLEAR_LINE}✓ a succeeded\n1/2 steps${CLEAR_LINE}`);
  });

  it("cuts a status to the terminal's width", () => {
    const out = recorder(10);
    new LiveLine(out.stream).status("0123456789abc");
    expect(out.written()).toBe(`${CLEAR_LINE}01234567…`);
  });

  it("prints only the lines off a terminal", () => {
    const out = recorder();
    const live = new LiveLine(out.stream, false);
    live.status("1/2 steps");
    live.print("✓ a succeeded");
    live.clear();
    expect(out.written()).toBe("✓ a succeeded\n");
  });
});
