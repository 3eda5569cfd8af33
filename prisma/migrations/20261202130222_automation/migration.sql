-- CreateEnum
CREATE TYPE "AutomationTickStatus" AS ENUM ('STARTED', 'SKIPPED', 'SUCCESS', 'FAILURE');

-- CreateTable
CREATE TABLE "AutomationInstigator" (
    "locationId" TEXT NOT NULL,
    "paused" BOOLEAN NOT NULL DEFAULT false,
    "lastTickAt" TIMESTAMP(3),
    "nextTickAt" TIMESTAMP(3),
    "lastMaterializationId" BIGINT NOT NULL DEFAULT 0,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "AutomationInstigator_pkey" PRIMARY KEY ("locationId")
);

-- CreateTable
CREATE TABLE "AutomationTick" (
    "id" BIGSERIAL NOT NULL,
    "locationId" TEXT NOT NULL,
    "status" "AutomationTickStatus" NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL,
    "endedAt" TIMESTAMP(3),
    "runIds" TEXT[],
    "requested" INTEGER NOT NULL DEFAULT 0,
    "error" JSONB,

    CONSTRAINT "AutomationTick_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AutomationEvaluation" (
    "id" BIGSERIAL NOT NULL,
    "tickId" BIGINT NOT NULL,
    "assetKey" TEXT NOT NULL,
    "requested" BOOLEAN NOT NULL,
    "nodes" JSONB NOT NULL,
    "runIds" TEXT[],
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AutomationEvaluation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AutomationCursor" (
    "locationId" TEXT NOT NULL,
    "assetKey" TEXT NOT NULL,
    "cursor" JSONB NOT NULL,
    "resultHash" TEXT,

    CONSTRAINT "AutomationCursor_pkey" PRIMARY KEY ("locationId","assetKey")
);

-- CreateIndex
CREATE INDEX "AutomationTick_locationId_id_idx" ON "AutomationTick"("locationId", "id" DESC);

-- CreateIndex
CREATE INDEX "AutomationTick_status_id_idx" ON "AutomationTick"("status", "id" DESC);

-- CreateIndex
CREATE INDEX "AutomationEvaluation_assetKey_id_idx" ON "AutomationEvaluation"("assetKey", "id" DESC);

-- CreateIndex
CREATE INDEX "AutomationEvaluation_tickId_idx" ON "AutomationEvaluation"("tickId");

-- AddForeignKey
ALTER TABLE "AutomationInstigator" ADD CONSTRAINT "AutomationInstigator_locationId_fkey" FOREIGN KEY ("locationId") REFERENCES "CodeLocation"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AutomationTick" ADD CONSTRAINT "AutomationTick_locationId_fkey" FOREIGN KEY ("locationId") REFERENCES "CodeLocation"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AutomationEvaluation" ADD CONSTRAINT "AutomationEvaluation_tickId_fkey" FOREIGN KEY ("tickId") REFERENCES "AutomationTick"("id") ON DELETE CASCADE ON UPDATE CASCADE;
