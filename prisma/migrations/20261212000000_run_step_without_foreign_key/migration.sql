-- A RunStep row is written only in a statement that holds its run: with the run itself (a launch,
-- packages/server/src/runs/launch.ts, and a backfill's batch, insertRuns) or by a report, which
-- locks its run's row first (runs/report.ts). Runs are deleted only by the retention purge
-- (retention/history-purge.ts), which deletes their steps in the same statement. The relation
-- stays in prisma/schema.prisma for Prisma's queries; the database no longer checks it per row.
-- The check was ~45 % of inserting a run's steps on PostgreSQL (500 runs of 100 steps in one
-- transaction: 0.80-0.84 ms a run with it, 0.44-0.45 ms without), paid by every launch.
-- DropForeignKey
ALTER TABLE "RunStep" DROP CONSTRAINT "RunStep_runId_fkey";
