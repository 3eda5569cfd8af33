-- A run's events are written only where its row is held (packages/server/src/runs/report.ts,
-- runs/run-events.ts) and deleted with it by retention (retention/history-purge.ts); the per-row
-- check of this key was ~30 % of inserting a report of 5,000 events.
-- DropForeignKey
ALTER TABLE "RunEvent" DROP CONSTRAINT "RunEvent_runId_fkey";
