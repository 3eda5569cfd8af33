import { describe, expect, it } from "vitest";
import { styledStatus } from "./run-status.js";
import { styleFor } from "./style.js";

describe("styledStatus", () => {
  const style = styleFor({ isTTY: true }, {});

  it("colours a status by outcome", () => {
    expect(styledStatus("SUCCESS", style)).toBe(style.green("SUCCESS"));
    expect(styledStatus("FAILURE", style)).toBe(style.red("FAILURE"));
    expect(styledStatus("CANCELED", style)).toBe(style.yellow("CANCELED"));
    expect(styledStatus("CANCELING", style)).toBe(style.yellow("CANCELING"));
    expect(styledStatus("QUEUED", style)).toBe(style.cyan("QUEUED"));
  });

  it("is the bare status with NO_COLOR", () => {
    expect(styledStatus("FAILURE", styleFor({ isTTY: true }, { NO_COLOR: "1" }))).toBe("FAILURE");
  });
});
