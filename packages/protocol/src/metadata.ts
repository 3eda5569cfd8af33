import { z } from "zod";

/**
 * The types a metadata value can have on the wire.
 *
 * @example
 * ```ts
 * const numeric: MetadataType[] = ["int", "float"];
 * ```
 */
export const METADATA_TYPES = [
  "text",
  "int",
  "float",
  "bool",
  "json",
  "url",
  "path",
  "markdown",
  "table",
  "table_schema",
  "timestamp",
  "null",
] as const;
export type MetadataType = (typeof METADATA_TYPES)[number];

/**
 * A metadata value as it appears in the manifest and in events: its type and a plain JSON value.
 *
 * @example
 * ```ts
 * const entry: MetadataEntry = { type: "int", value: 42 };
 * ```
 */
export const metadataEntrySchema = z.object({ type: z.enum(METADATA_TYPES), value: z.unknown() });
export type MetadataEntry = z.output<typeof metadataEntrySchema>;

/** Metadata by label. */
export const metadataSchema = z.record(z.string().max(255), metadataEntrySchema);
