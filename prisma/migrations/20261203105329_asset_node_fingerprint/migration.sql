-- AlterTable
ALTER TABLE "AssetNode" ADD COLUMN     "fingerprint" TEXT;
