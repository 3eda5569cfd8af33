import type { Sql } from "../db/sql.js";
import { InvalidArgumentError } from "../errors.js";
import { parseAssetKey } from "./asset-key.js";
import { normaliseMetadata } from "./metadata.js";
import { markMaterialized } from "../partitions/status.js";
import { readPartitionsDefinitions, timeIndexer } from "../partitions/space.js";
import { loadNodes, type NodeRow, resolveProvenance } from "../sync/provenance.js";
import { afterMaterializations, type IngestEffects } from "../sync/ingest-effects.js";
import { isoOf } from "../timestamp-memo.js";
import { textArray } from "./node-rows.js";

export interface MaterializationInput {
  assetKey: string;
  metadata?: Record<string, unknown> | null;
  partition?: string | null;
  description?: string | null;
  dataVersion?: string | null;
  codeVersion?: string | null;
  runId?: string | null;
  stepKey?: string | null;
  timestamp?: Date | null;
}

/** A materialization as its INSERT reads it (provenance's fields filled in by writeMaterializations). */
export interface MaterializationRow {
  asset_key: string;
  run_id: string | null;
  step_key: string | null;
  partition: string | null;
  description: string | null;
  metadata: unknown;
  code_version: string | null;
  data_version: string | null;
  timestamp: string;
  ord: number;
}

/** Materializations checked and shaped for storage, with what their assets define (see prepareMaterializations). */
export interface PreparedMaterializations {
  rows: MaterializationRow[];
  nodes: Map<string, NodeRow>;
}

/** The inputs checked (asset key, metadata) and shaped as rows: no statement, so it may run before a transaction. */
export function materializationRows(inputs: readonly MaterializationInput[]): MaterializationRow[] {
  return inputs.map((input, i) => {
    const key = parseAssetKey(input.assetKey, inputs.length > 1 ? `materializations.${i}.assetKey` : "assetKey");
    if (input.metadata && (typeof input.metadata !== "object" || Array.isArray(input.metadata))) {
      throw new InvalidArgumentError("metadata", "must be an object of label → value");
    }
    return {
      asset_key: key,
      run_id: input.runId ?? null,
      step_key: input.stepKey ?? null,
      partition: input.partition ?? null,
      description: input.description ?? null,
      metadata: normaliseMetadata(input.metadata ?? {}),
      code_version: input.codeVersion ?? null,
      data_version: input.dataVersion ?? null,
      timestamp: isoOf(input.timestamp ?? new Date()),
      ord: i,
    };
  });
}

/**
 * What storing `rows` needs that no run's events change: their assets' definitions, and an
 * Asset row for each key. A run's report does this before it locks its run (runs/report.ts), so
 * the lock covers only what depends on the run's log.
 */
export async function prepareMaterializations(tx: Sql, rows: MaterializationRow[]): Promise<PreparedMaterializations> {
  const keys = [...new Set(rows.map((r) => r.asset_key))];
  const nodes = new Map((await loadNodes(tx, keys)).map((n) => [n.key, n]));
  // A defined asset has its Asset row (its registration inserts it before the node, and no Asset
  // row is ever deleted): only the others, a runless report's undefined assets, may need one.
  const undefinedKeys = keys.filter((key) => !nodes.has(key));
  if (undefinedKeys.length) await tx.query(`INSERT INTO "Asset" (key) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING`, [undefinedKeys]);
  return { rows, nodes };
}

/**
 * Stores materializations (a run's, or runless ones reported by an external system). An asset's
 * latest is its highest id, read through an index: there is no pointer to keep in step.
 * Returns the new ids in input order.
 */
export async function recordMaterializations(
  sql: Sql,
  inputs: readonly MaterializationInput[],
  /** Filled with what the caller publishes once the transaction commits (freshness changes). */
  effects?: IngestEffects,
): Promise<string[]> {
  if (inputs.length === 0) return [];
  const rows = materializationRows(inputs);
  return sql.transaction(async (tx) => writeMaterializations(tx, await prepareMaterializations(tx, rows), effects));
}

/** Stores prepared materializations, in the caller's transaction: their provenance, rows, partitions and sync effects. */
export async function writeMaterializations(tx: Sql, prepared: PreparedMaterializations, effects?: IngestEffects): Promise<string[]> {
  const { rows, nodes } = prepared;
  if (rows.length === 0) return [];
  // Code version, input data versions and the derived data version of each (sync status).
  const provenance = await resolveProvenance(
    tx,
    rows.map((r) => ({
      assetKey: r.asset_key,
      runId: r.run_id,
      partition: r.partition,
      codeVersion: r.code_version,
      dataVersion: r.data_version,
    })),
    nodes,
  );
  // Columns of scalars as arrays and the two JSON columns as JSON arrays, zipped by ROWS FROM:
  // PostgreSQL reads each array once, where a recordset of the rows' JSON had it take every row
  // apart (2,500 rows, median of seven: ~46 ms so against ~63 ms as a jsonb recordset). Filled
  // in one pass: a row object per materialization, spread with its provenance and then mapped
  // once per column, cost ~3 µs a row (~30 ms of a 10,000-asset run's report).
  const n = rows.length;
  const keys = new Array<string>(n);
  const runIds = new Array<string | null>(n);
  const stepKeys = new Array<string | null>(n);
  const partitions = new Array<string | null>(n);
  const descriptions = new Array<string | null>(n);
  const metadata = new Array<unknown>(n);
  const codeVersions = new Array<string | null>(n);
  const dataVersions = new Array<string | null>(n);
  const userProvided = new Array<boolean>(n);
  const inputs = new Array<unknown>(n);
  const timestamps = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const row = rows[i]!;
    const p = provenance[i]!;
    keys[i] = row.asset_key;
    runIds[i] = row.run_id;
    stepKeys[i] = row.step_key;
    partitions[i] = row.partition;
    descriptions[i] = row.description;
    metadata[i] = row.metadata;
    codeVersions[i] = p.codeVersion;
    dataVersions[i] = p.dataVersion;
    userProvided[i] = p.dataVersionUserProvided;
    inputs[i] = p.inputs;
    timestamps[i] = row.timestamp;
  }
  // A run's new materializations become, in the same statement, the target of its check
  // executions of the same asset (and partition) that have none yet: results yielded before the
  // output (write-audit-publish), and its checks still planned. Ids follow the rows' order.
  const inserted = await tx.query<{ id: string }>(
    `WITH inserted AS (
       INSERT INTO "Materialization" ("assetKey", "runId", "stepKey", partition, description, metadata, "codeVersion", "dataVersion",
                                      "dataVersionUserProvided", inputs, timestamp)
       SELECT r.asset_key, r.run_id, r.step_key, r.partition, r.description, r.metadata, r.code_version, r.data_version,
              r.user_provided, CASE WHEN json_typeof(r.inputs) <> 'null' THEN r.inputs END, r.timestamp
       FROM ROWS FROM (unnest($1::text[]), unnest($2::text[]), unnest($3::text[]), unnest($4::text[]), unnest($5::text[]),
                       json_array_elements($6::json), unnest($7::text[]), unnest($8::text[]), unnest($9::bool[]),
                       json_array_elements($10::json), unnest($11::timestamptz[])) WITH ORDINALITY
            AS r(asset_key, run_id, step_key, partition, description, metadata, code_version, data_version, user_provided, inputs, timestamp, ord)
       ORDER BY r.ord
       RETURNING id, "assetKey", "runId", partition),
     targeted AS (
       UPDATE "AssetCheckExecution" e SET "targetMaterializationId" = m.id
       FROM inserted m
       WHERE e."runId" = m."runId" AND e."assetKey" = m."assetKey" AND e."targetMaterializationId" IS NULL
         AND (e.partition IS NULL OR e.partition IS NOT DISTINCT FROM m.partition))
     SELECT id::text AS id FROM inserted ORDER BY id`,
    // The arrays as literals built here (textArray): pg's own encoding quotes and escapes each
    // element through two regular expressions, ~15 ms of a 10,000-asset run's reports.
    [
      textArray(keys),
      textArray(runIds),
      textArray(stepKeys),
      textArray(partitions),
      textArray(descriptions),
      JSON.stringify(metadata),
      textArray(codeVersions),
      textArray(dataVersions),
      `{${userProvided.map((b) => (b ? "t" : "f")).join(",")}}`,
      JSON.stringify(inputs),
      textArray(timestamps),
    ],
  );
  await markPartitionsMaterialized(tx, rows, inserted);
  await afterMaterializations(tx, keys, codeVersions, timestamps, nodes, effects);
  return inserted.map((r) => r.id);
}

/** The partitions these materializations carry become MATERIALIZED, in the same transaction. */
async function markPartitionsMaterialized(
  tx: Sql,
  rows: readonly { asset_key: string; partition: string | null; run_id: string | null }[],
  inserted: readonly { id: string }[],
): Promise<void> {
  const partitioned = rows.flatMap((row, i) => (row.partition === null ? [] : [{ row, id: inserted[i]!.id }]));
  if (partitioned.length === 0) return;
  const definitions = await readPartitionsDefinitions(tx, [...new Set(partitioned.map((p) => p.row.asset_key))]);
  const indexers = new Map([...definitions].map(([key, def]) => [key, timeIndexer(def)]));
  await markMaterialized(
    tx,
    partitioned.map(({ row, id }) => ({
      assetKey: row.asset_key,
      partition: row.partition!,
      timeIndex: indexers.get(row.asset_key)?.(row.partition!) ?? null,
      materializationId: id,
      runId: row.run_id,
    })),
  );
}
