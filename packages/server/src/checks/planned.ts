/**
 * The head of the statement part that stores a run's checks as PLANNED executions, one row per
 * check, at launch: `${plannedChecks("run.id", "$15")} FROM run, ... JOIN "AssetCheck" c ...`
 * inside the launch's own INSERT, so a run with checks costs no extra statement and no event per
 * check (Dagster's ASSET_CHECK_EVALUATION_PLANNED events, one per check, delay a run's start:
 * dagster-io/dagster#34101). `runId` and `partition` are SQL expressions; `c` is the AssetCheck.
 */
export function plannedChecks(runId: string, partition: string): string {
  return `INSERT INTO "AssetCheckExecution" ("checkKey", "assetKey", partition, "runId", "stepKey", status, "createdAt")
          SELECT c.key, c."assetKey", ${partition}, ${runId}, c."stepKey", 'PLANNED', now()`;
}
