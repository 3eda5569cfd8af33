-- An AssetNode row is written only by a registration (packages/server/src/catalog/register.ts),
-- whose transaction inserts the Asset rows of the keys new to the location first and holds the
-- location's CodeLocation row locked; no Asset or CodeLocation row is ever deleted or given a
-- new key. The relations stay in prisma/schema.prisma for Prisma's queries; the database no
-- longer checks them per row. On PostgreSQL those checks were most of inserting the rows
-- (10,000 assets: ~200 ms against ~80 ms without; 100,000: ~2.4 s against ~1.0-1.6 s), and on
-- PGlite the registration skipped them already (as its superuser).
-- DropForeignKey
ALTER TABLE "AssetNode" DROP CONSTRAINT "AssetNode_key_fkey";

-- DropForeignKey
ALTER TABLE "AssetNode" DROP CONSTRAINT "AssetNode_locationId_fkey";
