import { describe, expect, it } from "vitest";
import { MetadataValue, normalizeMetadata } from "./metadata.js";

describe("metadata", () => {
  it("infers the type of plain values", () => {
    expect(normalizeMetadata({ s: "text", i: 3, f: 2.5, b: true, n: null, j: { nested: [1] } })).toEqual({
      s: { type: "text", value: "text" },
      i: { type: "int", value: 3 },
      f: { type: "float", value: 2.5 },
      b: { type: "bool", value: true },
      n: { type: "null", value: null },
      j: { type: "json", value: { nested: [1] } },
    });
  });

  it("keeps the type chosen with MetadataValue", () => {
    expect(
      normalizeMetadata({
        count: MetadataValue.float(3),
        link: MetadataValue.url("https://example.com"),
        file: MetadataValue.path("/tmp/x.json"),
        doc: MetadataValue.markdown("# hi"),
        table: MetadataValue.table([{ id: 1 }], [{ name: "id", type: "int" }]),
        at: MetadataValue.timestamp(1_700_000_000_000),
      }),
    ).toEqual({
      count: { type: "float", value: 3 },
      link: { type: "url", value: "https://example.com" },
      file: { type: "path", value: "/tmp/x.json" },
      doc: { type: "markdown", value: "# hi" },
      table: { type: "table", value: { records: [{ id: 1 }], columns: [{ name: "id", type: "int" }] } },
      at: { type: "timestamp", value: 1_700_000_000_000 },
    });
  });

  it("treats a user's own { type, value } object as JSON, not as a typed value", () => {
    expect(normalizeMetadata({ x: { type: "int", value: 3 } })).toEqual({ x: { type: "json", value: { type: "int", value: 3 } } });
  });

  it("refuses values without a JSON form, and non-integers as ints", () => {
    expect(() => normalizeMetadata({ big: 1n })).toThrow("not JSON-serializable");
    expect(() => MetadataValue.int(1.5)).toThrow("safe integer");
    expect(MetadataValue.float(Number.NaN)).toEqual({ type: "float", value: null });
  });
});
