-- AlterTable
ALTER TABLE "BackfillChunk" ADD COLUMN     "dependents" INTEGER[];
