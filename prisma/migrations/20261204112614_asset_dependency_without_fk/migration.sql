-- Lineage edges are written and deleted with their node in the registration transaction
-- (packages/server/src/catalog/register.ts); the per-row check of this key cost ~45 % of inserting
-- 30,000 edges.
-- DropForeignKey
ALTER TABLE "AssetDependency" DROP CONSTRAINT "AssetDependency_downstreamKey_fkey";
