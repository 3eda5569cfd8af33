import { describe, expect, it } from "vitest";
import { styleFor } from "./style.js";
import { formatTable } from "./table.js";

describe("formatTable", () => {
  it("aligns columns two spaces apart, without padding the last column", () => {
    expect(
      formatTable(
        ["KEY", "GROUP"],
        [
          ["sales/orders", "raw"],
          ["b", "finance"],
        ],
      ),
    ).toBe(["KEY           GROUP", "sales/orders  raw", "b             finance"].join("\n"));
  });

  it("measures coloured cells without their colour codes", () => {
    const style = styleFor({ isTTY: true }, {});
    const lines = formatTable(
      ["STATUS", "ID"],
      [
        [style.green("SUCCESS"), "1"],
        ["QUEUED", "2"],
      ],
    ).split("\n");
    expect(lines[1]).toBe(`${style.green("SUCCESS")}  1`);
    expect(lines[2]).toBe("QUEUED   2");
  });

  it("trims the trailing spaces of an empty last cell", () => {
    expect(formatTable(["A", "B"], [["x", ""]])).toBe("A  B\nx");
  });
});
