/**
 * The catalog page's rows in the statement that finds them. Through Prisma, a page of 20 assets
 * with their definitions cost two more statements after the search (Asset, then AssetNode, each
 * with its round trip and Prisma's query compilation): at 100,000 assets about three quarters of
 * the request (W6). So when the query Pothos plans for the page's nodes reads no more than
 * Asset's and its definition's own columns, its definition's location and its latest
 * materialization's columns, which is what a catalog listing asks (the web UI's catalog shows
 * the location and when each asset was last materialized), the search selects those columns
 * itself. Any other selection (a page of materializations, a definition's checks) returns
 * null here, and the page is loaded by Prisma as before.
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
const CODE_LOCATION = columns("CodeLocation");
const MATERIALIZATION = columns("Materialization");

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
  /** The select list, over `a` ("Asset") and `d` (its "AssetNode"), and what `joins` adds. */
  sql: string;
  /** Joins after `"Asset" a` and `"AssetNode" d` (the definition's location, the latest materialization). */
  joins: string;
  /** A driver row as Prisma would have returned it for the planned query. */
  shape(row: Record<string, unknown>): Asset;
}

type Selection = Record<string, unknown>;

/** A relation's scalar columns as planned: `true` (include mode: all of them) or `{ select }` of scalars only. */
function scalarSelection(model: Map<string, Field>, planned: unknown): Field[] | null {
  if (planned === true) return [...model.values()];
  const { select, ...other } = (planned ?? {}) as { select?: Selection };
  if (!select || Object.keys(other).length > 0) return null;
  const fields: Field[] = [];
  for (const [name, wanted] of Object.entries(select)) {
    const field = model.get(name);
    if (wanted !== true || !field) return null;
    fields.push(field);
  }
  return fields;
}

/**
 * The planned `materializations` when it is the latest one's scalars (what `lastMaterializedAt`
 * and `latestMaterialization` ask: `take: 1` by `id` descending), else null.
 */
function latestMaterialization(planned: unknown): Field[] | null {
  const { take, orderBy, ...rest } = (planned ?? {}) as { take?: unknown; orderBy?: { id?: unknown } };
  if (take !== 1 || !orderBy || Object.keys(orderBy).length !== 1 || orderBy.id !== "desc") return null;
  return scalarSelection(MATERIALIZATION, rest);
}

/**
 * The columns answering `query` (what @pothos/plugin-prisma's `queryFromInfo` planned for Asset)
 * for defined assets, or null when it needs more than Asset's and its definition's columns, the
 * definition's location and the latest materialization's.
 */
export function assetRowColumns(query: Record<string, unknown>): AssetRowColumns | null {
  const { include, select, ...rest } = query as { include?: Selection; select?: Selection };
  if (Object.keys(rest).length > 0 || (include && select)) return null;
  // Include mode reads every Asset column; select mode the ones listed beside its relations.
  const { definition, materializations, ...others } = include ?? select ?? {};
  let assetFields: Field[] = [...ASSET.values()];
  if (select) {
    assetFields = [];
    for (const [name, wanted] of Object.entries(others)) {
      const field = ASSET.get(name);
      if (wanted !== true || !field) return null;
      assetFields.push(field);
    }
  } else if (Object.keys(others).length > 0) return null;
  const latest = materializations === undefined ? undefined : latestMaterialization(materializations);
  if (latest === null) return null;
  let nodeFields: Field[] = [];
  let locationFields: Field[] | undefined;
  if (definition === true) nodeFields = [...ASSET_NODE.values()];
  else if (definition !== undefined) {
    const { select: nodeSelect, ...other } = definition as { select?: Selection };
    if (!nodeSelect || Object.keys(other).length > 0) return null;
    const { location, ...scalars } = nodeSelect;
    const fields = scalarSelection(ASSET_NODE, { select: scalars });
    const located = location === undefined ? undefined : scalarSelection(CODE_LOCATION, location);
    if (!fields || located === null) return null;
    nodeFields = fields;
    locationFields = located;
  }
  const selected: string[] = [];
  for (const [alias, prefix, fields] of [
    ["a", "", assetFields],
    ["d", "d:", nodeFields],
    ["l", "l:", locationFields ?? []],
    ["m", "m:", latest ?? []],
  ] as const) {
    for (const field of fields) {
      const sql = expression(alias, field);
      if (sql === null) return null;
      selected.push(`${sql} AS "${prefix}${field.name}"`);
    }
  }
  const joins: string[] = [];
  if (locationFields) joins.push(`LEFT JOIN "CodeLocation" l ON l.id = d."locationId"`);
  if (latest) {
    // Materialization_assetKey_id_idx answers each asset's latest with one index probe.
    joins.push(`LEFT JOIN LATERAL (SELECT * FROM "Materialization" m WHERE m."assetKey" = a.key ORDER BY m.id DESC LIMIT 1) m ON TRUE`);
    selected.push(`m."assetKey" IS NOT NULL AS "m:?"`);
  }
  const pick = (row: Record<string, unknown>, prefix: string, fields: Field[]) =>
    Object.fromEntries(fields.map((f) => [f.name, row[`${prefix}${f.name}`]]));
  // Whether the asset has a definition: an undefined asset (only depended upon) joins none.
  if (definition !== undefined) selected.push(`d.key IS NOT NULL AS "d:?"`);
  return {
    sql: selected.join(", "),
    joins: joins.join(" "),
    shape(row) {
      const asset = pick(row, "", assetFields);
      if (definition !== undefined) {
        const node = row["d:?"] ? pick(row, "d:", nodeFields) : null;
        if (node && locationFields) node.location = pick(row, "l:", locationFields);
        asset.definition = node;
      }
      if (latest) asset.materializations = row["m:?"] ? [pick(row, "m:", latest)] : [];
      // The relations, when planned, ride along as on a Prisma row; Pothos reads them from there.
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
    `SELECT ${columns.sql} FROM "Asset" a LEFT JOIN "AssetNode" d ON d.key = a.key ${columns.joins} WHERE a.key = ANY($1::text[])`,
    [keys],
  );
  return rows.map((row) => columns.shape(row));
}
