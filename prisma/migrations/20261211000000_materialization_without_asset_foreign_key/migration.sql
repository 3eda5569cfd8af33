-- A Materialization row is written only by writeMaterializations
-- (packages/server/src/catalog/materializations.ts), after prepareMaterializations has made sure
-- each of its keys has an Asset row (a defined asset's registration inserted it; a runless report
-- of an undefined asset inserts it in the same transaction); no Asset row is ever deleted or
-- given a new key. The relation stays in prisma/schema.prisma for Prisma's queries; the database
-- no longer checks it per row. On PostgreSQL the check was over a third of inserting a run's
-- materializations (10,000 rows: 79-93 ms against 51-53 ms without), and it share-locked each
-- Asset row, so concurrent runs materializing one asset made PostgreSQL create multixacts.
-- DropForeignKey
ALTER TABLE "Materialization" DROP CONSTRAINT "Materialization_assetKey_fkey";
