import { describe, expect, it } from "vitest";
import { stripStyle, styleFor } from "./style.js";

const terminal = { isTTY: true };

describe("styleFor", () => {
  it("colours a terminal's output", () => {
    const style = styleFor(terminal, {});
    expect(style.red("FAILURE")).toBe("\u001b[31mFAILURE\u001b[39m");
    expect(style.bold("Run")).toBe("\u001b[1mRun\u001b[22m");
  });

  it("writes plain text when NO_COLOR is set, and colours when it is empty (no-color.org)", () => {
    const style = styleFor(terminal, { NO_COLOR: "1" });
    for (const colour of ["bold", "dim", "red", "green", "yellow", "cyan"] as const) expect(style[colour]("text")).toBe("text");
    expect(styleFor(terminal, { NO_COLOR: "" }).green("ok")).not.toBe("ok");
  });

  it("writes plain text off a terminal (pipes, files, logs)", () => {
    expect(styleFor({ isTTY: false }, {}).cyan("STARTED")).toBe("STARTED");
    expect(styleFor({}, {}).cyan("STARTED")).toBe("STARTED");
  });
});

describe("stripStyle", () => {
  it("removes colour codes, so widths can be measured", () => {
    const style = styleFor(terminal, {});
    expect(stripStyle(`${style.bold("a")} ${style.red(style.dim("b"))}`)).toBe("a b");
    expect(stripStyle("plain")).toBe("plain");
  });
});
