-- AlterEnum
ALTER TYPE "BackfillChunkState" ADD VALUE 'READY';

-- AlterTable
ALTER TABLE "Backfill" ADD COLUMN     "runsAhead" INTEGER NOT NULL DEFAULT 1000;
