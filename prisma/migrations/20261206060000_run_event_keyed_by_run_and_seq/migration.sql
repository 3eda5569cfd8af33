-- A run's events are keyed by run and seq, which every read and purge uses: the bigint id and its
-- B-tree only cost each report's INSERT a sequence call and a second index entry per event
-- (5,000 events into a table shaped like this one: ~10% faster without them). The existing
-- unique index becomes the primary key as it is, without being built again.
-- AlterTable
ALTER TABLE "RunEvent" DROP CONSTRAINT "RunEvent_pkey",
DROP COLUMN "id";

-- The unique index on ("runId", seq), renamed "RunEvent_pkey".
ALTER TABLE "RunEvent" ADD CONSTRAINT "RunEvent_pkey" PRIMARY KEY USING INDEX "RunEvent_runId_seq_key";
