-- CreateEnum
CREATE TYPE "BackfillStatus" AS ENUM ('REQUESTED', 'CANCELING', 'CANCELED', 'COMPLETED_SUCCESS', 'COMPLETED_FAILED');

-- CreateEnum
CREATE TYPE "BackfillChunkState" AS ENUM ('WAITING', 'LAUNCHED', 'SUCCEEDED', 'FAILED', 'SKIPPED', 'CANCELED');

-- AlterTable
ALTER TABLE "AssetNode" ADD COLUMN     "backfillPolicy" JSONB,
ADD COLUMN     "partitionMappings" JSONB NOT NULL DEFAULT '{}';

-- AlterTable
ALTER TABLE "Run" ADD COLUMN     "backfillId" TEXT;

-- CreateTable
CREATE TABLE "Backfill" (
    "id" TEXT NOT NULL,
    "status" "BackfillStatus" NOT NULL DEFAULT 'REQUESTED',
    "assetKeys" TEXT[],
    "locationId" TEXT NOT NULL,
    "versionId" TEXT NOT NULL,
    "target" JSONB NOT NULL,
    "plans" JSONB NOT NULL,
    "policy" JSONB NOT NULL,
    "only" TEXT NOT NULL DEFAULT 'ALL',
    "tags" JSONB NOT NULL DEFAULT '{}',
    "title" TEXT,
    "parentBackfillId" TEXT,
    "createdBy" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "endedAt" TIMESTAMP(3),

    CONSTRAINT "Backfill_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BackfillChunk" (
    "backfillId" TEXT NOT NULL,
    "idx" INTEGER NOT NULL,
    "assetKeys" TEXT[],
    "startIndex" INTEGER NOT NULL,
    "endIndex" INTEGER NOT NULL,
    "startKey" TEXT NOT NULL,
    "endKey" TEXT NOT NULL,
    "dependsOn" INTEGER[],
    "state" "BackfillChunkState" NOT NULL DEFAULT 'WAITING',
    "runId" TEXT,

    CONSTRAINT "BackfillChunk_pkey" PRIMARY KEY ("backfillId","idx")
);

-- CreateIndex
CREATE INDEX "Backfill_createdAt_idx" ON "Backfill"("createdAt" DESC);

-- CreateIndex
CREATE INDEX "Backfill_status_idx" ON "Backfill"("status");

-- CreateIndex
CREATE INDEX "Backfill_parentBackfillId_idx" ON "Backfill"("parentBackfillId");

-- CreateIndex
CREATE INDEX "BackfillChunk_backfillId_state_idx" ON "BackfillChunk"("backfillId", "state");

-- CreateIndex
CREATE INDEX "BackfillChunk_runId_idx" ON "BackfillChunk"("runId");

-- CreateIndex
CREATE INDEX "Run_backfillId_idx" ON "Run"("backfillId");

-- AddForeignKey
ALTER TABLE "BackfillChunk" ADD CONSTRAINT "BackfillChunk_backfillId_fkey" FOREIGN KEY ("backfillId") REFERENCES "Backfill"("id") ON DELETE CASCADE ON UPDATE CASCADE;
