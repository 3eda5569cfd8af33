-- CreateEnum
CREATE TYPE "PartitionStatus" AS ENUM ('MATERIALIZED', 'FAILED', 'IN_PROGRESS');

-- AlterTable
ALTER TABLE "AssetNode" ADD COLUMN     "partitions" JSONB;

-- AlterTable
ALTER TABLE "Run" ADD COLUMN     "partitionKey" TEXT,
ADD COLUMN     "partitionRangeEnd" TEXT,
ADD COLUMN     "partitionRangeStart" TEXT;

-- CreateTable
CREATE TABLE "AssetPartition" (
    "assetKey" TEXT NOT NULL,
    "partitionKey" TEXT NOT NULL,
    "timeIndex" INTEGER,
    "status" "PartitionStatus" NOT NULL,
    "lastMaterializationId" BIGINT,
    "lastRunId" TEXT,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AssetPartition_pkey" PRIMARY KEY ("assetKey","partitionKey")
);

-- CreateTable
CREATE TABLE "DynamicPartition" (
    "name" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "DynamicPartition_pkey" PRIMARY KEY ("name","key")
);

-- CreateIndex
CREATE INDEX "AssetPartition_assetKey_timeIndex_idx" ON "AssetPartition"("assetKey", "timeIndex");

-- CreateIndex
CREATE INDEX "AssetPartition_lastRunId_idx" ON "AssetPartition"("lastRunId");
