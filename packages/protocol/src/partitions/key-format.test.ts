import { TZDate } from "@date-fns/tz";
import { format } from "date-fns";
import { describe, expect, it } from "vitest";
import { compileKeyFormat } from "./key-format.js";

describe("key formats (date-fns tokens)", () => {
  const instants = [
    Date.UTC(2024, 0, 1),
    Date.UTC(2024, 2, 10, 7, 30),
    Date.UTC(2024, 10, 3, 6),
    Date.UTC(1999, 11, 31, 23, 59, 59),
    Date.UTC(2031, 5, 15, 12, 5, 7),
  ];
  const zones = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"];

  it("formats as date-fns does on the compiled path", () => {
    for (const pattern of ["yyyy-MM-dd", "yyyy-MM-dd-HH:mm", "yyyyMMdd'T'HHmmss", "dd.MM.yyyy HH'h'", "yyyy/MM"]) {
      const keyFormat = compileKeyFormat(pattern);
      for (const zone of zones) {
        for (const instant of instants) expect(keyFormat.format(instant, zone, false)).toBe(format(new TZDate(instant, zone), pattern));
      }
    }
  });

  it("parses its keys back to wall times in the zone, on both paths", () => {
    for (const pattern of ["yyyy-MM-dd-HH:mm", "MMM d, yyyy HH:mm"]) {
      const keyFormat = compileKeyFormat(pattern);
      for (const zone of zones) {
        const instant = Date.UTC(2024, 6, 4, 10, 0);
        expect(keyFormat.parse(keyFormat.format(instant, zone, false), zone)).toBe(instant);
      }
    }
    expect(compileKeyFormat("yyyy-MM-dd").parse("2024-02-30", "UTC")).toBeNull();
    expect(compileKeyFormat("yyyy-MM-dd").parse("2024-02-3", "UTC")).toBeNull();
  });

  it("appends the offset to the repeated hour, and reads it back", () => {
    const hourly = compileKeyFormat("yyyy-MM-dd-HH:mm");
    const second = Date.UTC(2024, 10, 3, 6);
    expect(hourly.format(second, "America/New_York", true)).toBe("2024-11-03-01:00-05:00");
    expect(hourly.parse("2024-11-03-01:00-05:00", "America/New_York")).toBe(second);
    expect(hourly.parse("2024-11-03-01:00", "America/New_York")).toBe(Date.UTC(2024, 10, 3, 5));
  });
});
