import { can, type Principal, requireScope } from "../auth/principal.js";
import type { Sql } from "../db/sql.js";
import { InvalidArgumentError, NotFoundError, PartitionKeysNotFoundError } from "../errors.js";
import { isPartitionKey, readPartitionsDefinitions } from "../partitions/space.js";
import { type EvaluatedCheck, storeEvaluations } from "./evaluations.js";

export interface CheckResultReport {
  checkKey: string;
  passed: boolean;
  severity?: "WARN" | "ERROR" | null;
  metadata?: unknown;
  description?: string | null;
  partition?: string | null;
}

/**
 * Stores a check result evaluated outside Strata's runs (like `reportMaterialization`): it
 * targets the asset's latest materialization (of the partition) and updates its check health.
 * The check must be defined now: it is what names its asset and lists it. Allowed with `launch`,
 * or with the token of the location that defines the check's asset.
 */
export async function reportCheckResult(sql: Sql, principal: Principal, input: CheckResultReport): Promise<EvaluatedCheck> {
  const [check] = await sql.query<{ assetKey: string; location: string }>(
    `SELECT c."assetKey", l.name AS location FROM "AssetCheck" c JOIN "AssetNode" n ON n.key = c."assetKey"
     JOIN "CodeLocation" l ON l.id = n."locationId" WHERE c.key = $1`,
    [input.checkKey],
  );
  // Without `launch`, only the defining location's token may report; the refusal names `launch`
  // alone, so it says nothing about which location (if any) defines the check.
  if (!can(principal, "launch") && !(check && can(principal, `location:${check.location}`))) requireScope(principal, "launch");
  if (!check) throw new NotFoundError("asset check", input.checkKey);
  const metadata = input.metadata ?? {};
  if (typeof metadata !== "object" || Array.isArray(metadata))
    throw new InvalidArgumentError("metadata", "must be an object of label → value");
  if (input.description && input.description.length > 100_000) throw new InvalidArgumentError("description", "at most 100,000 characters");
  if (input.partition != null) {
    const [def] = (await readPartitionsDefinitions(sql, [check.assetKey])).values();
    if (def && !(await isPartitionKey(sql, def, input.partition))) {
      throw new PartitionKeysNotFoundError({ keys: [input.partition] }, `Asset "${check.assetKey}" has no partition "${input.partition}"`);
    }
  }
  const [stored] = await sql.transaction((tx) =>
    storeEvaluations(tx, [
      {
        checkKey: input.checkKey,
        assetKey: check.assetKey,
        passed: input.passed,
        severity: input.severity ?? "ERROR",
        metadata: metadata as Record<string, unknown>,
        description: input.description ?? null,
        partition: input.partition ?? null,
        executionFailed: false,
        error: null,
        runId: null,
        stepKey: null,
        timestamp: new Date(),
      },
    ]),
  );
  return stored!;
}
