import { builder } from "../builder.js";
import type { MetadataEntry } from "../catalog/metadata.js";

export interface LabelledMetadata extends MetadataEntry {
  label: string;
}

export const MetadataEntryRef = builder.objectRef<LabelledMetadata>("MetadataEntry").implement({
  description: 'One typed metadata value, e.g. { label: "row_count", type: "int", value: 42 }.',
  fields: (t) => ({
    label: t.exposeString("label"),
    type: t.exposeString("type", { description: "text, int, float, bool, json, url, path, markdown, table..." }),
    value: t.field({ type: "JSON", resolve: (entry) => entry.value }),
  }),
});

/** Stored metadata (an object of label → entry) as a list sorted by label. */
export function metadataList(stored: unknown): LabelledMetadata[] {
  if (!stored || typeof stored !== "object") return [];
  return Object.entries(stored as Record<string, MetadataEntry>)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([label, entry]) => ({ label, type: entry.type, value: entry.value }));
}
