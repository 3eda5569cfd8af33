/** A metadata value as stored: `{ type, value }` (text, int, float, bool, json, url, path, markdown, table...). */
export interface MetadataEntry {
  type: string;
  value: unknown;
}

/** Types whose values are text a person would search for. */
const SEARCHABLE = new Set(["text", "markdown", "url", "path"]);

/** The lower-cased text catalog search matches: key, description and textual metadata. */
export function searchTextOf(asset: { key: string; description: string | null; metadata: Record<string, MetadataEntry> }): string {
  const parts = [asset.key, asset.description ?? ""];
  for (const [label, entry] of Object.entries(asset.metadata)) {
    if (SEARCHABLE.has(entry.type) && typeof entry.value === "string") parts.push(`${label} ${entry.value}`);
  }
  return parts.join("\n").toLowerCase();
}

/**
 * Normalises metadata given by a client (reportMaterialization): plain values get a type
 * (string → text, integer → int, number → float, boolean → bool, anything else → json);
 * `{ type, value }` entries are kept.
 */
export function normaliseMetadata(input: Record<string, unknown>): Record<string, MetadataEntry> {
  const out: Record<string, MetadataEntry> = {};
  for (const [label, value] of Object.entries(input)) {
    if (
      value &&
      typeof value === "object" &&
      !Array.isArray(value) &&
      "type" in value &&
      "value" in value &&
      typeof value.type === "string"
    ) {
      out[label] = { type: value.type, value: value.value };
    } else if (typeof value === "string") out[label] = { type: "text", value };
    else if (typeof value === "number") out[label] = { type: Number.isInteger(value) ? "int" : "float", value };
    else if (typeof value === "boolean") out[label] = { type: "bool", value };
    else out[label] = { type: "json", value };
  }
  return out;
}
