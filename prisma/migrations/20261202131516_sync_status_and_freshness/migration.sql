-- CreateEnum
CREATE TYPE "AssetSyncState" AS ENUM ('SYNCED', 'UNSYNCED', 'MISSING');

-- CreateEnum
CREATE TYPE "FreshnessState" AS ENUM ('PASS', 'WARN', 'FAIL', 'UNKNOWN');

-- AlterTable
ALTER TABLE "AssetNode" ADD COLUMN     "syncState" "AssetSyncState";

-- AlterTable
ALTER TABLE "Materialization" ADD COLUMN     "dataVersionUserProvided" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "inputs" JSONB;

-- CreateTable
CREATE TABLE "AssetFreshness" (
    "assetKey" TEXT NOT NULL,
    "state" "FreshnessState" NOT NULL,
    "since" TIMESTAMP(3) NOT NULL,
    "nextTransitionAt" TIMESTAMP(3),
    "lastMaterializedAt" TIMESTAMP(3),
    "policy" JSONB NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AssetFreshness_pkey" PRIMARY KEY ("assetKey")
);

-- CreateTable
CREATE TABLE "FreshnessTransition" (
    "id" BIGSERIAL NOT NULL,
    "assetKey" TEXT NOT NULL,
    "fromState" "FreshnessState",
    "toState" "FreshnessState" NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "FreshnessTransition_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "AssetFreshness_nextTransitionAt_idx" ON "AssetFreshness"("nextTransitionAt");

-- CreateIndex
CREATE INDEX "AssetFreshness_state_assetKey_idx" ON "AssetFreshness"("state", "assetKey");

-- CreateIndex
CREATE INDEX "FreshnessTransition_assetKey_id_idx" ON "FreshnessTransition"("assetKey", "id" DESC);

-- CreateIndex
CREATE INDEX "AssetNode_syncState_key_idx" ON "AssetNode"("syncState", "key");
