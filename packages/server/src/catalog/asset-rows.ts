/**
 * The catalog page's rows in the statement that finds them. Through Prisma, a page of 20 assets
 * with their definitions cost two more statements after the search (Asset, then AssetNode, each
 * with its round trip and Prisma's query compilation): at 100,000 assets about three quarters of
 * the request (W6). So when the query Pothos plans for the page's nodes reads no more than
 * Asset's and its definition's own columns, which is what a catalog listing asks, the search
 * selects those columns itself. Any other selection (materializations, a definition's location
 * or dependencies) returns null here, and the page is loaded by Prisma as before.
 */
import type { Sql } from "../db/sql.js";
import type { Asset } from "../generated/prisma/client.js";
import { getDatamodel } from "../generated/pothos-types.js";

type Field = { name: string; kind: string; type: string; isList: boolean };
const models = getDatamodel().datamodel.models as unknown as Record<string, { fields: Field[] }>;

/** Scalar types whose driver value is what Prisma returns (DateTime and enums are cast below). */
const AS_IS = new Set(["String", "Boolean", "Int", "Float", "Json", "DateTime"]);

function columns(model: string): Map<string, Field> {
  return new Map(models[model]!.fields.filter((f) => f.kind === "scalar" || f.kind === "enum").map((f) => [f.name, f]));
}
const ASSET = columns("Asset");
const ASSET_NODE = columns("AssetNode");

function expression(alias: string, field: Field): string | null {
  const column = `${alias}."${field.name}"`;
  if (field.kind === "enum") return field.isList ? `${column}::text[]` : `${column}::text`;
  if (!AS_IS.has(field.type)) return null; // BigInt, Decimal, Bytes: Prisma's own decoding.
  // TIMESTAMP(3) holds UTC; read as timestamptz so the driver does not apply the process's zone.
  if (field.type === "DateTime") return field.isList ? null : `${column} AT TIME ZONE 'UTC'`;
  // A text[] as JSON: the driver's JSON.parse allocates a fraction of its array-literal parser.
  if (field.isList && field.type === "String") return `array_to_json(${column})`;
  return column;
}

export interface AssetRowColumns {
  /** The select list, over `a` ("Asset") and `d` (its "AssetNode"). */
  sql: string;
  /** A driver row as Prisma would have returned it for the planned query. */
  shape(row: Record<string, unknown>): Asset;
}

/**
 * The columns answering `query` (what @pothos/plugin-prisma's `queryFromInfo` planned for Asset)
 * for defined assets, or null when it needs more than Asset's and its definition's columns.
 */
export function assetRowColumns(query: Record<string, unknown>): AssetRowColumns | null {
  const { include, select, ...rest } = query as { include?: Record<string, unknown>; select?: Record<string, unknown> };
  if (Object.keys(rest).length > 0 || (include && select)) return null;
  // Include mode reads every Asset column; select mode the ones listed beside its relations.
  const { definition, ...others } = include ?? select ?? {};
  let assetFields: Field[] = [...ASSET.values()];
  if (select) {
    assetFields = [];
    for (const [name, wanted] of Object.entries(others)) {
      const field = ASSET.get(name);
      if (wanted !== true || !field) return null;
      assetFields.push(field);
    }
  } else if (Object.keys(others).length > 0) return null;
  let nodeFields: Field[] = [];
  if (definition === true) nodeFields = [...ASSET_NODE.values()];
  else if (definition !== undefined) {
    const { select: nodeSelect, ...other } = definition as { select?: Record<string, unknown> };
    if (!nodeSelect || Object.keys(other).length > 0) return null;
    for (const [name, wanted] of Object.entries(nodeSelect)) {
      const field = ASSET_NODE.get(name);
      if (wanted !== true || !field) return null;
      nodeFields.push(field);
    }
  }
  const selected: string[] = [];
  for (const [alias, prefix, fields] of [
    ["a", "", assetFields],
    ["d", "d:", nodeFields],
  ] as const) {
    for (const field of fields) {
      const sql = expression(alias, field);
      if (sql === null) return null;
      selected.push(`${sql} AS "${prefix}${field.name}"`);
    }
  }
  const assetNames = assetFields.map((f) => f.name);
  const nodeNames = definition === undefined ? null : nodeFields.map((f) => [f.name, `d:${f.name}`] as const);
  // Whether the asset has a definition: an undefined asset (only depended upon) joins none.
  if (nodeNames) selected.push(`d.key IS NOT NULL AS "d:?"`);
  return {
    sql: selected.join(", "),
    shape(row) {
      const asset: Record<string, unknown> = {};
      for (const name of assetNames) asset[name] = row[name];
      if (nodeNames) {
        let node: Record<string, unknown> | null = null;
        if (row["d:?"]) {
          node = {};
          for (const [name, alias] of nodeNames) node[name] = row[alias];
        }
        asset.definition = node;
      }
      // The relation, when planned, rides along as on a Prisma row; Pothos reads it from there.
      return asset as unknown as Asset;
    },
  };
}

/**
 * Assets by key, defined or not, with the columns `columns` plans, in one statement (Prisma would
 * compile a query and send the keys as as many parameters: a lineage of 10,000 assets paid tens
 * of milliseconds for it). Unknown keys are left out; the order is the database's.
 */
export async function loadAssetRows(sql: Sql, keys: readonly string[], columns: AssetRowColumns): Promise<Asset[]> {
  const rows = await sql.query<Record<string, unknown>>(
    `SELECT ${columns.sql} FROM "Asset" a LEFT JOIN "AssetNode" d ON d.key = a.key WHERE a.key = ANY($1::text[])`,
    [keys],
  );
  return rows.map((row) => columns.shape(row));
}
