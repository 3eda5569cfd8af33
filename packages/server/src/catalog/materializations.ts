import type { Sql } from "../db/sql.js";
import { InvalidArgumentError } from "../errors.js";
import { parseAssetKey } from "./asset-key.js";
import { normaliseMetadata } from "./metadata.js";
import { markMaterialized } from "../partitions/status.js";
import { readPartitionsDefinitions, timeIndexer } from "../partitions/space.js";

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

/**
 * Stores materializations (a run's, or runless ones reported by an external system). An asset's
 * latest is its highest id, read through an index: there is no pointer to keep in step.
 * Returns the new ids in input order.
 */
export async function recordMaterializations(sql: Sql, inputs: readonly MaterializationInput[]): Promise<string[]> {
  if (inputs.length === 0) return [];
  const rows = inputs.map((input, i) => {
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
      timestamp: (input.timestamp ?? new Date()).toISOString(),
      ord: i,
    };
  });
  return sql.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO "Asset" (key) SELECT DISTINCT r->>'asset_key' FROM jsonb_array_elements($1::jsonb) r ON CONFLICT DO NOTHING`,
      [JSON.stringify(rows)],
    );
    const inserted = await tx.query<{ id: string; assetKey: string; timestamp: Date; ord: number }>(
      `INSERT INTO "Materialization" ("assetKey", "runId", "stepKey", partition, description, metadata, "codeVersion", "dataVersion", timestamp)
       SELECT r.asset_key, r.run_id, r.step_key, r.partition, r.description, r.metadata,
              -- A run materializes the code version its location defines; a runless report says its own.
              COALESCE(r.code_version, CASE WHEN r.run_id IS NOT NULL THEN (SELECT n."codeVersion" FROM "AssetNode" n WHERE n.key = r.asset_key) END),
              r.data_version, r.timestamp
       FROM jsonb_to_recordset($1::jsonb) AS r(asset_key text, run_id text, step_key text, partition text, description text,
            metadata jsonb, code_version text, data_version text, timestamp timestamptz, ord int)
       ORDER BY r.ord
       RETURNING id::text AS id, "assetKey", timestamp`,
      [JSON.stringify(rows)],
    );
    await markPartitionsMaterialized(tx, rows, inserted);
    return inserted.map((r) => r.id);
  });
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
