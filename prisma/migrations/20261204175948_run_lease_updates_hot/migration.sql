-- A worker's every report and heartbeat moves its run's lease ("leaseExpiresAt"). While that
-- column was indexed, each such update wrote a new version of every index entry of the run,
-- the GIN index of its selection included: 10,000 entries for a run of 10,000 assets, about
-- 14 ms per report. Unindexed, the update can stay HOT (heap-only: no index touched) when the
-- row's page has room, which the fill factor keeps for new pages.
-- The run monitor, the index's only reader, finds STARTED and CANCELING runs through
-- Run_status_priority_createdAt_idx and filters their leases: those runs are few at any time.

-- DropIndex
DROP INDEX "Run_status_leaseExpiresAt_idx";

-- Room on each new page for the updated versions of its runs (storage only; not in the Prisma schema).
ALTER TABLE "Run" SET (fillfactor = 85);
