-- A location's first registration queues its whole location for the sync refresher as one row
-- ("locationId"), instead of one row per asset: 100,000 rows were ~0.3 s of the registration's
-- leading statement, on its critical path, and as many to delete when drained. A row names an
-- asset or a location, never both (packages/server/src/sync/sync-refresher.ts).
-- AlterTable
ALTER TABLE "SyncRefresh" ADD COLUMN     "locationId" TEXT,
ALTER COLUMN "assetKey" DROP NOT NULL;
