-- A run that recorded a materialization is never deleted (packages/server/src/retention/history-purge.ts
-- keeps it), so this key's ON DELETE SET NULL never acted; its per-row check was ~20 % of inserting a
-- report's 2,500 materializations.
-- DropForeignKey
ALTER TABLE "Materialization" DROP CONSTRAINT "Materialization_runId_fkey";
