-- DropForeignKey
ALTER TABLE "Asset" DROP CONSTRAINT "Asset_lastMaterializationId_fkey";

-- DropIndex
DROP INDEX "Asset_lastMaterializationId_key";

-- DropIndex
DROP INDEX "RunEvent_type_id_idx";

-- AlterTable
ALTER TABLE "Asset" DROP COLUMN "lastMaterializationId",
DROP COLUMN "lastMaterializedAt";
