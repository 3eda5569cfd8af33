import { parseCheckKey, type RunEventPayloads } from "@strata/protocol";
import { normaliseMetadata } from "../catalog/metadata.js";
import type { Sql } from "../db/sql.js";
import { refreshCheckHealth } from "./health.js";

/** A check result to store: from a run's ASSET_CHECK_EVALUATION event, or reported outside runs. */
export interface CheckEvaluation {
  checkKey: string;
  assetKey: string;
  passed: boolean;
  severity: "WARN" | "ERROR";
  metadata: Record<string, unknown>;
  description: string | null;
  partition: string | null;
  executionFailed: boolean;
  error: unknown;
  runId: string | null;
  stepKey: string | null;
  timestamp: Date;
}

/** A stored result, as `assetCheckEvaluated` announces it after the commit. */
export interface EvaluatedCheck {
  executionId: string;
  checkKey: string;
  assetKey: string;
}

/**
 * Stores one result: it completes its run's PLANNED execution of the check (the first one still
 * planned), or is a new execution (a check evaluated again in the run, or outside any run).
 *
 * Its target materialization: the one its run produced of the same asset (and partition), when
 * the run materializes the asset; a result that came before that materialization is targeted
 * when it arrives (writeMaterializations in catalog/materializations.ts: write-audit-publish). A
 * run that does not materialize the asset (a run of check steps alone), and a result reported
 * outside runs, target the asset's latest materialization (of the partition) when the result is
 * stored.
 */
async function storeEvaluation(tx: Sql, e: CheckEvaluation): Promise<string> {
  const status = e.executionFailed ? "EXECUTION_FAILED" : e.passed ? "SUCCEEDED" : "FAILED";
  // A check whose function threw counts as failed with ERROR (the contract's rule).
  const severity = e.executionFailed ? "ERROR" : e.severity;
  const [row] = await tx.query<{ id: string }>(
    `WITH planned AS (
       SELECT id, partition, "targetMaterializationId" AS target FROM "AssetCheckExecution"
       WHERE "runId" = $1 AND "checkKey" = $2 AND status = 'PLANNED' ORDER BY id LIMIT 1),
     part AS (SELECT COALESCE($3::text, (SELECT partition FROM planned)) AS p),
     target AS (
       SELECT COALESCE(
         (SELECT m.id FROM "Materialization" m, part WHERE m."runId" = $1 AND m."assetKey" = $4 AND (part.p IS NULL OR m.partition = part.p)
          ORDER BY m.id DESC LIMIT 1),
         (SELECT target FROM planned),
         CASE WHEN NOT COALESCE((SELECT r.plan->'assetKeys' ? $4 FROM "Run" r WHERE r.id = $1), false) THEN
           COALESCE(
             (SELECT ap."lastMaterializationId" FROM "AssetPartition" ap, part WHERE ap."assetKey" = $4 AND ap."partitionKey" = part.p),
             (SELECT m.id FROM "Materialization" m, part WHERE part.p IS NULL AND m."assetKey" = $4 ORDER BY m.id DESC LIMIT 1))
         END) AS id),
     updated AS (
       UPDATE "AssetCheckExecution" x SET status = $5::"AssetCheckExecutionStatus", severity = $6::"AssetCheckSeverity", metadata = $7::jsonb,
              description = $8, error = $9::jsonb, "stepKey" = COALESCE($10, x."stepKey"), partition = (SELECT p FROM part),
              "targetMaterializationId" = (SELECT id FROM target), "endedAt" = $11
       FROM planned WHERE x.id = planned.id
       RETURNING x.id),
     inserted AS (
       INSERT INTO "AssetCheckExecution" ("checkKey", "assetKey", partition, "runId", "stepKey", status, severity, metadata, description, error,
                                          "targetMaterializationId", "createdAt", "endedAt")
       SELECT $2, $4, (SELECT p FROM part), $1, $10, $5::"AssetCheckExecutionStatus", $6::"AssetCheckSeverity", $7::jsonb, $8, $9::jsonb,
              (SELECT id FROM target), $11, $11
       WHERE NOT EXISTS (SELECT 1 FROM updated)
       RETURNING id)
     SELECT id::text AS id FROM updated UNION ALL SELECT id::text AS id FROM inserted`,
    [
      e.runId,
      e.checkKey,
      e.partition,
      e.assetKey,
      status,
      severity,
      JSON.stringify(normaliseMetadata(e.metadata)),
      e.description,
      e.error === null || e.error === undefined ? null : JSON.stringify(e.error),
      e.stepKey,
      e.timestamp.toISOString(),
    ],
  );
  return row!.id;
}

/**
 * Stores check results and folds their assets' check health again, in the caller's transaction
 * (the report's, or a runless report's).
 */
export async function storeEvaluations(tx: Sql, evaluations: readonly CheckEvaluation[]): Promise<EvaluatedCheck[]> {
  const stored: EvaluatedCheck[] = [];
  // One statement each, in order: a run evaluates few checks, and a second result for the same
  // check in one report must find the first one's row already completed.
  for (const e of evaluations) stored.push({ executionId: await storeEvaluation(tx, e), checkKey: e.checkKey, assetKey: e.assetKey });
  await refreshCheckHealth(
    tx,
    evaluations.map((e) => e.assetKey),
  );
  return stored;
}

type CheckEvent = {
  type: string;
  stepKey: string | null;
  payload: unknown;
  timestamp: Date;
};

/** A run's new events' check results (ASSET_CHECK_EVALUATION), stored; see `storeEvaluation`. */
export function recordRunCheckEvaluations(tx: Sql, runId: string, events: readonly CheckEvent[]): Promise<EvaluatedCheck[]> {
  const evaluations = events.flatMap((event): CheckEvaluation[] => {
    if (event.type !== "ASSET_CHECK_EVALUATION") return [];
    const p = event.payload as RunEventPayloads["ASSET_CHECK_EVALUATION"];
    return [
      {
        checkKey: p.checkKey,
        assetKey: p.assetKey,
        passed: p.passed,
        severity: p.severity,
        metadata: p.metadata,
        description: p.description,
        partition: p.partition,
        executionFailed: p.executionFailed,
        error: p.error,
        runId,
        stepKey: event.stepKey,
        timestamp: event.timestamp,
      },
    ];
  });
  return evaluations.length ? storeEvaluations(tx, evaluations) : Promise.resolve([]);
}

/**
 * Why a run's check result does not fit its plan, or null when it does: the result must name
 * its asset consistently, and be of a check the run was planned to evaluate, or of an asset it
 * materializes (a result its asset's step yields).
 */
export function evaluationOutsidePlan(
  plan: { assetKeys: readonly string[]; checkKeys?: readonly string[] },
  event: { assetKey?: string | null; payload: unknown },
): string | null {
  const p = event.payload as RunEventPayloads["ASSET_CHECK_EVALUATION"];
  if (parseCheckKey(p.checkKey)?.assetKey !== p.assetKey || parseCheckKey(p.checkKey)?.name !== p.checkName)
    return `names check "${p.checkKey}" with asset "${p.assetKey}" and name "${p.checkName}", which do not match`;
  if (event.assetKey && event.assetKey !== p.assetKey) return `names asset "${event.assetKey}" but reports check "${p.checkKey}"`;
  if (plan.checkKeys?.includes(p.checkKey) || plan.assetKeys.includes(p.assetKey)) return null;
  return `reports check "${p.checkKey}", which the run was not planned to evaluate`;
}
