-- CodeLocation.assetCount (GraphQL) is read from the current version instead of counting the
-- location's AssetNode rows on every read (~30-50 ms for 100,000 assets, several hundred ms
-- while the catalog's maintenance runs after a registration). A registration writes it
-- (packages/server/src/catalog/register.ts); the current versions registered before are counted
-- here once.
-- AlterTable
ALTER TABLE "CodeLocationVersion" ADD COLUMN     "assetCount" INTEGER NOT NULL DEFAULT 0;

UPDATE "CodeLocationVersion" v
   SET "assetCount" = (SELECT count(*) FROM "AssetNode" n WHERE n."locationId" = l.id)
  FROM "CodeLocation" l
 WHERE l."currentVersionId" = v.id;
