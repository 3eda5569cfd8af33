import type { MetadataEntry, MetadataType } from "@strata/protocol";
import { DefinitionError } from "./definition-error.js";

export type { MetadataEntry, MetadataType } from "@strata/protocol";

/**
 * A column of a table schema.
 *
 * @example
 * ```ts
 * MetadataValue.tableSchema([{ name: "id", type: "int" }, { name: "email", type: "text", description: "lower-cased" }]);
 * ```
 */
export interface TableColumn {
  name: string;
  type: string;
  description?: string;
}

// A class rather than a plain object so that a user's own `{ type, value }` JSON is never taken
// for a typed entry.
class TypedMetadataValue implements MetadataEntry {
  constructor(
    readonly type: MetadataType,
    readonly value: unknown,
  ) {}
}

/**
 * Metadata on a definition or a result: typed values made with `MetadataValue`, or plain values
 * whose type is inferred (string → text, integer → int, other number → float, boolean → bool,
 * null → null, anything else → json).
 *
 * @example
 * ```ts
 * const metadata: MetadataInput = { rows: 3, source: MetadataValue.url("https://example.com") };
 * ```
 */
export type MetadataInput = Readonly<Record<string, unknown>>;

function jsonValue(value: unknown, what: string): unknown {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw new TypeError(`${what} is not JSON-serializable: ${(error as Error).message}`, { cause: error });
  }
  if (text === undefined) throw new TypeError(`${what} is not JSON-serializable`);
  return JSON.parse(text) as unknown;
}

/**
 * Builders for typed metadata values (Dagster's `MetadataValue`).
 *
 * @example
 * ```ts
 * return output(rows, {
 *   metadata: {
 *     "strata/row_count": MetadataValue.int(rows.length),
 *     preview: MetadataValue.markdown("| id |\n|---|\n| 1 |"),
 *     source: MetadataValue.url("https://example.com/export.csv"),
 *   },
 * });
 * ```
 */
export const MetadataValue = {
  text: (value: string): MetadataEntry => new TypedMetadataValue("text", String(value)),
  int: (value: number): MetadataEntry => {
    if (!Number.isSafeInteger(value)) throw new TypeError(`MetadataValue.int needs a safe integer, got ${value}`);
    return new TypedMetadataValue("int", value);
  },
  // NaN and ±Infinity have no JSON form; they travel as null rather than breaking the event.
  float: (value: number): MetadataEntry => new TypedMetadataValue("float", Number.isFinite(value) ? value : null),
  bool: (value: boolean): MetadataEntry => new TypedMetadataValue("bool", Boolean(value)),
  json: (value: unknown): MetadataEntry => new TypedMetadataValue("json", jsonValue(value, "MetadataValue.json value")),
  url: (value: string): MetadataEntry => new TypedMetadataValue("url", String(value)),
  path: (value: string): MetadataEntry => new TypedMetadataValue("path", String(value)),
  markdown: (value: string): MetadataEntry => new TypedMetadataValue("markdown", String(value)),
  /** A small table: its rows and, optionally, its columns. */
  table: (records: readonly Record<string, unknown>[], columns?: readonly TableColumn[]): MetadataEntry =>
    new TypedMetadataValue("table", jsonValue({ records, columns: columns ?? null }, "MetadataValue.table records")),
  tableSchema: (columns: readonly TableColumn[]): MetadataEntry =>
    new TypedMetadataValue("table_schema", jsonValue({ columns }, "MetadataValue.tableSchema columns")),
  /** A point in time, in milliseconds since the epoch. */
  timestamp: (ms: number): MetadataEntry => new TypedMetadataValue("timestamp", ms),
  null: (): MetadataEntry => new TypedMetadataValue("null", null),
} as const;

function inferEntry(value: unknown, what: string): MetadataEntry {
  if (value instanceof TypedMetadataValue) return { type: value.type, value: value.value };
  if (value === null) return { type: "null", value: null };
  switch (typeof value) {
    case "string":
      return { type: "text", value };
    case "boolean":
      return { type: "bool", value };
    case "number":
      return Number.isSafeInteger(value) ? { type: "int", value } : { type: "float", value: Number.isFinite(value) ? value : null };
    default:
      return { type: "json", value: jsonValue(value, what) };
  }
}

const EMPTY: Record<string, MetadataEntry> = Object.freeze({}) as Record<string, MetadataEntry>;

/**
 * Turns user metadata into plain `{ type, value }` entries. Throws a `TypeError` for values
 * without a JSON form; `culprit`, when given, turns that into a `DefinitionError`.
 * @internal
 */
export function normalizeMetadata(input: MetadataInput | undefined | null, culprit?: string): Record<string, MetadataEntry> {
  if (input === undefined || input === null) return EMPTY;
  const keys = Object.keys(input);
  if (keys.length === 0) return EMPTY;
  const entries: Record<string, MetadataEntry> = {};
  for (const key of keys) {
    try {
      entries[key] = inferEntry(input[key], `metadata "${key}"`);
    } catch (error) {
      if (culprit === undefined) throw error;
      throw new DefinitionError("invalid_option", culprit, (error as Error).message, { cause: error });
    }
  }
  return entries;
}
