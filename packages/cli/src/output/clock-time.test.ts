import { expect, it } from "vitest";
import { clockTime } from "./clock-time.js";

it("prints the local time of day to the millisecond, zero-padded", () => {
  expect(clockTime(new Date(2026, 11, 2, 22, 53, 46, 484).toISOString())).toBe("22:53:46.484");
  expect(clockTime(new Date(2026, 11, 2, 7, 5, 9, 7).toISOString())).toBe("07:05:09.007");
});
