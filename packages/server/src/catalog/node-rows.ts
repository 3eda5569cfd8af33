import { hash } from "node:crypto";
import type { Sql } from "../db/sql.js";
import type { ManifestAsset } from "./manifest.js";
import { searchTextOf } from "./metadata.js";

// How a registration writes a location's nodes and edges (register.ts): each asset's AssetNode
// row and its fingerprint, and the statements' parameters, built as texts the database splits.

export interface NodeRow {
  key: string;
  /**
   * Hash of its manifest entry, prefixed with FINGERPRINT_VERSION: equal when registration would
   * write the same (sameFingerprint compares it with a stored one).
   */
  fingerprint: string;
  /** Its AssetNode columns, as insertNodes sends them. */
  row: NodeColumns;
  deps: string[];
  /** The manifest entry it was built from. */
  asset: ManifestAsset;
}

type NodeColumns = ReturnType<typeof nodeColumns>;

/** An asset's AssetNode columns, built field by field in this order: their JSON is the stable text its fingerprint hashes. */
function nodeColumns(a: ManifestAsset) {
  return {
    key: a.key,
    group: a.group,
    description: a.description,
    owners: a.owners,
    tags: a.tags,
    tag_pairs: Object.entries(a.tags).map(([k, v]) => `${k}=${v}`),
    kinds: a.kinds,
    metadata: a.metadata,
    code_version: a.codeVersion,
    step_key: a.stepKey,
    multi_asset: a.multiAsset?.name ?? null,
    partitions: a.partitions,
    backfill_policy: a.backfillPolicy,
    partition_mappings: a.partitionMappings,
    subsettable: a.multiAsset ? a.multiAsset.canSubset : true,
    search_text: searchTextOf(a),
  };
}

/** Rows built between two turns of the event loop (~10-20 ms of work; pause() between). */
const ROW_SLICE = 2_000;

/**
 * Each asset's AssetNode row and dependencies, as registration writes them, with their
 * fingerprint: ROW_SLICE at a time, awaiting `pause()` between (100,000 rows are ~0.5 s of this
 * thread, which other requests would otherwise wait behind).
 */
export async function nodeRows(assets: readonly ManifestAsset[], pause: () => Promise<void>): Promise<NodeRow[]> {
  const rows: NodeRow[] = [];
  for (let i = 0; i < assets.length; i++) {
    if (i > 0 && i % ROW_SLICE === 0) await pause();
    rows.push(nodeRow(assets[i]!));
  }
  return rows;
}

/**
 * The fingerprints' version, their prefix: raised whenever what registration writes for an asset
 * changes for the same manifest entry (nodeColumns, searchTextOf, the edges), so that every
 * asset stored before is written again once. The row itself is not hashed: it is a function of
 * the entry, which is (`node-rows.test.ts` pins the row of an entry, to catch a change).
 */
export const FINGERPRINT_VERSION = 2;

function nodeRow(a: ManifestAsset): NodeRow {
  const row = nodeColumns(a);
  const deps = [...new Set(a.deps)].sort();
  // The entry's text alone: its row and dependencies are built from it. The whole entry, so a
  // change that writes nothing in the row still rewrites the asset (its automation condition,
  // say, which readers find through its row's version).
  const fingerprint = `${FINGERPRINT_VERSION}.${hash("sha256", JSON.stringify(a), "base64url")}`;
  return { key: a.key, fingerprint, row, deps, asset: a };
}

/**
 * Whether `stored`, a stored asset's fingerprint, says registration would write what `node`
 * holds. A fingerprint stored before version 2 (no prefix: base64url has no ".") hashed the row,
 * the dependencies and the entry, each JSON.stringify'ed (three texts per asset: building 10,000
 * rows took 88 ms so, against 49 ms): compared the same way, so that the upgrade rewrites no
 * unchanged asset.
 */
export function sameFingerprint(stored: string | null | undefined, node: NodeRow): boolean {
  if (stored == null) return false;
  if (stored.includes(".")) return stored === node.fingerprint;
  return stored === hash("sha256", `[${JSON.stringify(node.row)},${JSON.stringify(node.deps)},${JSON.stringify(node.asset)}]`, "base64url");
}

/**
 * What an array element's text escapes with a backslash inside its double quotes. (Appending
 * the elements to one string instead of joining them was faster alone and slower here: ~20 ms
 * more for 10,000 assets' columns, flattened when sent.)
 */
const ARRAY_QUOTED = /["\\]/;

/**
 * `values` as a PostgreSQL array literal: the text a text[] parameter is sent as, built here so
 * it can be built before its statement is issued (both drivers pass a string through as it is).
 */
export function textArray(values: readonly (string | null)[]): string {
  // Most arrays hold no NULL and nothing to escape: then one scan per value and one join, ~2-3×
  // faster than quoting each (the 700,000 keys of 100,000 assets' keys and edges: 42-98 ms
  // against 116-293 ms).
  if (values.every((value) => value != null && !ARRAY_QUOTED.test(value))) return values.length ? `{"${values.join('","')}"}` : "{}";
  const parts = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    parts[i] = value == null ? "NULL" : `"${ARRAY_QUOTED.test(value) ? value.replace(/["\\]/g, "\\$&") : value}"`;
  }
  return `{${parts.join(",")}}`;
}

/** A JSON column's value as its array's element: its text, or NULL. */
const jsonText = (value: unknown): string | null => (value == null ? null : JSON.stringify(value));

/**
 * Separates the values in a column's text (columnText), which string_to_array splits: a control
 * character, refused nowhere but absent from JSON texts and keys and, in practice, from
 * descriptions. A column that holds it anyway is sent as an array literal (textArray).
 */
const COLUMN_SEPARATOR = "\u001f";
/** Stands for NULL in a column's text (string_to_array's null string); a column with this very value is sent as an array literal. */
const COLUMN_NULL = "\u001e";

/** One column of insertNodes' rows as one parameter: its values joined (`split`, see columnText) or an array literal. */
interface ColumnText {
  text: string;
  split: boolean;
  /** The element type the database casts the values to. */
  type: "text" | "boolean";
}

/**
 * A column's values as one parameter: joined by COLUMN_SEPARATOR, which string_to_array splits
 * again, or else (a value holds it, or a single row, whose empty text would split into no
 * element) an array literal. Joining costs nothing per value; an array literal quotes each and
 * escapes those with quotes (every JSON text): for 10,000 assets' 17 columns, 50-85 ms before
 * the rows could be sent.
 */
function columnText(values: readonly (string | null)[], type: ColumnText["type"] = "text"): ColumnText {
  let plain = values.length > 1;
  for (let i = 0; plain && i < values.length; i++) {
    const value = values[i];
    if (value != null && (value === COLUMN_NULL || value.includes(COLUMN_SEPARATOR))) plain = false;
  }
  if (!plain) return { text: textArray(values), split: false, type };
  return { text: values.map((value) => value ?? COLUMN_NULL).join(COLUMN_SEPARATOR), split: true, type };
}

/** Column parameter `$n` as the database reads it: an array of its type. */
const columnArray = (column: ColumnText, n: number) =>
  column.split ? `string_to_array($${n}, E'\\x1f', E'\\x1e')::${column.type}[]` : `$${n}::${column.type}[]`;

/**
 * insertNodes' parameters: one text per column (columnText), not the rows as one JSON document.
 * PostgreSQL parses a JSON parameter into one jsonb value before it reads the first row: ~3 s of
 * bind for 100,000 rows (~40 MB) on the machines we measure on, against ~0.3 s for arrays, whose
 * elements it reads one by one. List columns are sent as array literals and JSON ones as texts,
 * each cast per row.
 */
export async function nodeColumnTexts(nodes: readonly NodeRow[], pause: () => Promise<void>): Promise<ColumnText[] | null> {
  if (nodes.length === 0) return null;
  const picks: [pick: (row: NodeColumns) => string | null | undefined, type?: ColumnText["type"]][] = [
    [(r) => r.key],
    [(r) => r.group],
    [(r) => r.description],
    [(r) => textArray(r.owners)],
    [(r) => jsonText(r.tags)],
    [(r) => textArray(r.tag_pairs)],
    [(r) => textArray(r.kinds)],
    [(r) => jsonText(r.metadata)],
    [(r) => r.code_version],
    [(r) => r.step_key],
    [(r) => r.multi_asset],
    [(r) => String(r.subsettable), "boolean"],
    [(r) => r.search_text],
    [(r) => jsonText(r.partitions)],
    [(r) => jsonText(r.backfill_policy)],
    [(r) => jsonText(r.partition_mappings)],
  ];
  // A column at a time, the event loop turning between them (each ~5-40 ms for 100,000 rows).
  const columns: ColumnText[] = [];
  for (const [pick, type] of picks) {
    if (columns.length > 0 && nodes.length > ROW_SLICE) await pause();
    columns.push(
      columnText(
        nodes.map((n) => pick(n.row) ?? null),
        type,
      ),
    );
  }
  columns.push(columnText(nodes.map((n) => n.fingerprint)));
  return columns;
}

export async function insertNodes(tx: Sql, columns: ColumnText[] | null, locationId: string, versionId: string): Promise<void> {
  if (columns === null) return;
  // The rows' key and location have no foreign keys to check (migration
  // 20261208000000_asset_node_without_foreign_keys): they hold by construction, the keys new to
  // the location having been inserted by this transaction's leading statement, the others having
  // had nodes already, and the location's row being locked.
  const arrays = columns.map((column, i) => columnArray(column, i + 3)).join(", ");
  await tx.query(
    `INSERT INTO "AssetNode" (key, "locationId", "versionId", "groupName", description, owners, tags, "tagPairs", kinds,
                              metadata, "codeVersion", "stepKey", "multiAssetName", "isSubsettable", "searchText", "updatedAt", partitions,
                              "backfillPolicy", "partitionMappings", fingerprint)
     SELECT r.key, $1, $2, r."group", r.description,
            r.owners::text[], r.tags::jsonb, r.tag_pairs::text[], r.kinds::text[],
            r.metadata::jsonb, r.code_version, r.step_key, r.multi_asset, r.subsettable, r.search_text, now(), r.partitions::jsonb,
            r.backfill_policy::jsonb, COALESCE(r.partition_mappings::jsonb, '{}'), r.fingerprint
     FROM unnest(${arrays})
          AS r(key, "group", description, owners, tags, tag_pairs, kinds, metadata, code_version, step_key, multi_asset,
               subsettable, search_text, partitions, backfill_policy, partition_mappings, fingerprint)`,
    [locationId, versionId, ...columns.map((column) => column.text)],
  );
}

/**
 * The dependency edges of `assets` as insertEdges and the leading statement send them: their
 * downstream and upstream keys, side by side, as array literals (textArray). Built here rather
 * than by the driver, whose array encoding took 250-450 ms for the ~700,000 keys of 100,000
 * assets' edges and keys, against 160-240 ms so, before the database could begin.
 */
export function edgesOf(assets: readonly { key: string; deps: readonly string[] }[]): [string, string] {
  const downstream: string[] = [];
  const upstream: string[] = [];
  for (const a of assets) {
    for (const up of new Set(a.deps)) {
      downstream.push(a.key);
      upstream.push(up);
    }
  }
  return [textArray(downstream), textArray(upstream)];
}

export async function insertEdges(tx: Sql, nodes: readonly NodeRow[]): Promise<void> {
  if (!nodes.some((n) => n.deps.length)) return;
  await tx.query(
    `INSERT INTO "AssetDependency" ("downstreamKey", "upstreamKey") SELECT * FROM unnest($1::text[], $2::text[])`,
    edgesOf(nodes),
  );
}
