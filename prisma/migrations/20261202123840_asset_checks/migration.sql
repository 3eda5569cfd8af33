-- CreateEnum
CREATE TYPE "RunFailureCode" AS ENUM ('STEP_FAILURE', 'BLOCKING_CHECK_FAILED', 'RUN_ERROR', 'START_TIMEOUT', 'WORKER_LOST');

-- CreateEnum
CREATE TYPE "AssetCheckExecutionStatus" AS ENUM ('PLANNED', 'SUCCEEDED', 'FAILED', 'EXECUTION_FAILED');

-- CreateEnum
CREATE TYPE "AssetCheckSeverity" AS ENUM ('WARN', 'ERROR');

-- CreateEnum
CREATE TYPE "AssetCheckHealth" AS ENUM ('PASSING', 'WARNING', 'FAILING', 'NOT_EVALUATED');

-- AlterTable
ALTER TABLE "AssetNode" ADD COLUMN     "checkHealth" "AssetCheckHealth";

-- AlterTable
ALTER TABLE "Run" ADD COLUMN     "failureCode" "RunFailureCode";

-- CreateTable
CREATE TABLE "AssetCheck" (
    "key" TEXT NOT NULL,
    "assetKey" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "blocking" BOOLEAN NOT NULL,
    "stepKey" TEXT NOT NULL,
    "ownStep" BOOLEAN NOT NULL,

    CONSTRAINT "AssetCheck_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "AssetCheckExecution" (
    "id" BIGSERIAL NOT NULL,
    "checkKey" TEXT NOT NULL,
    "assetKey" TEXT NOT NULL,
    "partition" TEXT,
    "runId" TEXT,
    "stepKey" TEXT,
    "status" "AssetCheckExecutionStatus" NOT NULL,
    "severity" "AssetCheckSeverity",
    "metadata" JSONB NOT NULL DEFAULT '{}',
    "description" TEXT,
    "error" JSONB,
    "targetMaterializationId" BIGINT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "endedAt" TIMESTAMP(3),

    CONSTRAINT "AssetCheckExecution_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "AssetCheck_assetKey_idx" ON "AssetCheck"("assetKey");

-- CreateIndex
CREATE INDEX "AssetCheckExecution_checkKey_id_idx" ON "AssetCheckExecution"("checkKey", "id" DESC);

-- CreateIndex
CREATE INDEX "AssetCheckExecution_assetKey_id_idx" ON "AssetCheckExecution"("assetKey", "id" DESC);

-- CreateIndex
CREATE INDEX "AssetCheckExecution_runId_idx" ON "AssetCheckExecution"("runId");

-- CreateIndex
CREATE INDEX "AssetCheckExecution_targetMaterializationId_idx" ON "AssetCheckExecution"("targetMaterializationId");

-- CreateIndex
CREATE INDEX "AssetNode_checkHealth_key_idx" ON "AssetNode"("checkHealth", "key");

-- AddForeignKey
ALTER TABLE "AssetCheck" ADD CONSTRAINT "AssetCheck_assetKey_fkey" FOREIGN KEY ("assetKey") REFERENCES "AssetNode"("key") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AssetCheckExecution" ADD CONSTRAINT "AssetCheckExecution_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AssetCheckExecution" ADD CONSTRAINT "AssetCheckExecution_targetMaterializationId_fkey" FOREIGN KEY ("targetMaterializationId") REFERENCES "Materialization"("id") ON DELETE SET NULL ON UPDATE CASCADE;
