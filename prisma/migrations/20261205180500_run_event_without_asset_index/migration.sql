-- Every read of a run's events is by run and seq (packages/server/src/runs/run-events.ts, the
-- retention purges): none by asset. The index only cost each report's insert a third B-tree.
-- DropIndex
DROP INDEX "RunEvent_assetKey_id_idx";
