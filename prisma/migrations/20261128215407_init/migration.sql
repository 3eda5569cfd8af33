-- Catalog search uses trigram indexes (PGlite ships pg_trgm as well).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "CodeLocationStatus" AS ENUM ('LOADED', 'LOAD_ERROR');

-- CreateEnum
CREATE TYPE "RunStatus" AS ENUM ('QUEUED', 'STARTING', 'STARTED', 'SUCCESS', 'FAILURE', 'CANCELING', 'CANCELED');

-- CreateEnum
CREATE TYPE "ReexecutionStrategy" AS ENUM ('FROM_FAILURE', 'FROM_ASSET_FAILURE', 'ALL_STEPS');

-- CreateEnum
CREATE TYPE "StepStatus" AS ENUM ('PENDING', 'RUNNING', 'UP_FOR_RETRY', 'SUCCESS', 'FAILURE', 'SKIPPED', 'CANCELED');

-- CreateTable
CREATE TABLE "CodeLocation" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "status" "CodeLocationStatus" NOT NULL DEFAULT 'LOADED',
    "loadError" TEXT,
    "currentVersionId" TEXT,
    "lastHeartbeatAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "CodeLocation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CodeLocationVersion" (
    "id" TEXT NOT NULL,
    "locationId" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "hash" TEXT NOT NULL,
    "manifestVersion" INTEGER NOT NULL,
    "manifest" JSONB NOT NULL,
    "registeredAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CodeLocationVersion_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Asset" (
    "key" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastMaterializationId" BIGINT,
    "lastMaterializedAt" TIMESTAMP(3),

    CONSTRAINT "Asset_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "AssetNode" (
    "key" TEXT NOT NULL,
    "locationId" TEXT NOT NULL,
    "versionId" TEXT NOT NULL,
    "groupName" TEXT NOT NULL DEFAULT 'default',
    "description" TEXT,
    "owners" TEXT[],
    "tags" JSONB NOT NULL DEFAULT '{}',
    "tagPairs" TEXT[],
    "kinds" TEXT[],
    "metadata" JSONB NOT NULL DEFAULT '{}',
    "codeVersion" TEXT,
    "stepKey" TEXT NOT NULL,
    "multiAssetName" TEXT,
    "isSubsettable" BOOLEAN NOT NULL DEFAULT true,
    "searchText" TEXT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "AssetNode_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "AssetDependency" (
    "downstreamKey" TEXT NOT NULL,
    "upstreamKey" TEXT NOT NULL,

    CONSTRAINT "AssetDependency_pkey" PRIMARY KEY ("downstreamKey","upstreamKey")
);

-- CreateTable
CREATE TABLE "Materialization" (
    "id" BIGSERIAL NOT NULL,
    "assetKey" TEXT NOT NULL,
    "runId" TEXT,
    "stepKey" TEXT,
    "partition" TEXT,
    "description" TEXT,
    "metadata" JSONB NOT NULL DEFAULT '{}',
    "codeVersion" TEXT,
    "dataVersion" TEXT,
    "timestamp" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Materialization_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Run" (
    "id" TEXT NOT NULL,
    "status" "RunStatus" NOT NULL DEFAULT 'QUEUED',
    "locationId" TEXT NOT NULL,
    "versionId" TEXT,
    "selection" TEXT[],
    "plan" JSONB NOT NULL,
    "tags" JSONB NOT NULL DEFAULT '{}',
    "tagPairs" TEXT[],
    "priority" INTEGER NOT NULL DEFAULT 0,
    "parentRunId" TEXT,
    "rootRunId" TEXT,
    "reexecutionStrategy" "ReexecutionStrategy",
    "workerId" TEXT,
    "leaseExpiresAt" TIMESTAMP(3),
    "lastHeartbeatAt" TIMESTAMP(3),
    "failureReason" TEXT,
    "lastEventSeq" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "startingAt" TIMESTAMP(3),
    "startedAt" TIMESTAMP(3),
    "endedAt" TIMESTAMP(3),

    CONSTRAINT "Run_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RunStep" (
    "runId" TEXT NOT NULL,
    "stepKey" TEXT NOT NULL,
    "status" "StepStatus" NOT NULL DEFAULT 'PENDING',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "startedAt" TIMESTAMP(3),
    "endedAt" TIMESTAMP(3),
    "error" JSONB,

    CONSTRAINT "RunStep_pkey" PRIMARY KEY ("runId","stepKey")
);

-- CreateTable
CREATE TABLE "RunEvent" (
    "id" BIGSERIAL NOT NULL,
    "runId" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "type" TEXT NOT NULL,
    "stepKey" TEXT,
    "assetKey" TEXT,
    "level" TEXT NOT NULL DEFAULT 'INFO',
    "message" TEXT,
    "payload" JSONB,
    "timestamp" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RunEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ApiToken" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "scopes" TEXT[],
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" TIMESTAMP(3),
    "expiresAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "ApiToken_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "CodeLocation_name_key" ON "CodeLocation"("name");

-- CreateIndex
CREATE UNIQUE INDEX "CodeLocation_currentVersionId_key" ON "CodeLocation"("currentVersionId");

-- CreateIndex
CREATE INDEX "CodeLocationVersion_locationId_hash_idx" ON "CodeLocationVersion"("locationId", "hash");

-- CreateIndex
CREATE UNIQUE INDEX "CodeLocationVersion_locationId_version_key" ON "CodeLocationVersion"("locationId", "version");

-- CreateIndex
CREATE UNIQUE INDEX "Asset_lastMaterializationId_key" ON "Asset"("lastMaterializationId");

-- CreateIndex
CREATE INDEX "AssetNode_locationId_idx" ON "AssetNode"("locationId");

-- CreateIndex
CREATE INDEX "AssetNode_groupName_key_idx" ON "AssetNode"("groupName", "key");

-- CreateIndex
CREATE INDEX "AssetNode_owners_idx" ON "AssetNode" USING GIN ("owners");

-- CreateIndex
CREATE INDEX "AssetNode_tagPairs_idx" ON "AssetNode" USING GIN ("tagPairs");

-- CreateIndex
CREATE INDEX "AssetNode_kinds_idx" ON "AssetNode" USING GIN ("kinds");

-- CreateIndex
CREATE INDEX "AssetNode_searchText_trgm" ON "AssetNode" USING GIN ("searchText" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "AssetNode_key_trgm" ON "AssetNode" USING GIN ("key" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "AssetDependency_upstreamKey_downstreamKey_idx" ON "AssetDependency"("upstreamKey", "downstreamKey");

-- CreateIndex
CREATE INDEX "Materialization_assetKey_id_idx" ON "Materialization"("assetKey", "id" DESC);

-- CreateIndex
CREATE INDEX "Materialization_runId_idx" ON "Materialization"("runId");

-- CreateIndex
CREATE INDEX "Run_status_priority_createdAt_idx" ON "Run"("status", "priority" DESC, "createdAt");

-- CreateIndex
CREATE INDEX "Run_locationId_status_idx" ON "Run"("locationId", "status");

-- CreateIndex
CREATE INDEX "Run_createdAt_idx" ON "Run"("createdAt" DESC);

-- CreateIndex
CREATE INDEX "Run_rootRunId_idx" ON "Run"("rootRunId");

-- CreateIndex
CREATE INDEX "Run_parentRunId_idx" ON "Run"("parentRunId");

-- CreateIndex
CREATE INDEX "Run_tagPairs_idx" ON "Run" USING GIN ("tagPairs");

-- CreateIndex
CREATE INDEX "Run_selection_idx" ON "Run" USING GIN ("selection");

-- CreateIndex
CREATE INDEX "Run_status_leaseExpiresAt_idx" ON "Run"("status", "leaseExpiresAt");

-- CreateIndex
CREATE INDEX "RunEvent_assetKey_id_idx" ON "RunEvent"("assetKey", "id");

-- CreateIndex
CREATE INDEX "RunEvent_type_id_idx" ON "RunEvent"("type", "id");

-- CreateIndex
CREATE UNIQUE INDEX "RunEvent_runId_seq_key" ON "RunEvent"("runId", "seq");

-- CreateIndex
CREATE UNIQUE INDEX "ApiToken_name_key" ON "ApiToken"("name");

-- CreateIndex
CREATE UNIQUE INDEX "ApiToken_tokenHash_key" ON "ApiToken"("tokenHash");

-- AddForeignKey
ALTER TABLE "CodeLocation" ADD CONSTRAINT "CodeLocation_currentVersionId_fkey" FOREIGN KEY ("currentVersionId") REFERENCES "CodeLocationVersion"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CodeLocationVersion" ADD CONSTRAINT "CodeLocationVersion_locationId_fkey" FOREIGN KEY ("locationId") REFERENCES "CodeLocation"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Asset" ADD CONSTRAINT "Asset_lastMaterializationId_fkey" FOREIGN KEY ("lastMaterializationId") REFERENCES "Materialization"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AssetNode" ADD CONSTRAINT "AssetNode_key_fkey" FOREIGN KEY ("key") REFERENCES "Asset"("key") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AssetNode" ADD CONSTRAINT "AssetNode_locationId_fkey" FOREIGN KEY ("locationId") REFERENCES "CodeLocation"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AssetDependency" ADD CONSTRAINT "AssetDependency_downstreamKey_fkey" FOREIGN KEY ("downstreamKey") REFERENCES "AssetNode"("key") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Materialization" ADD CONSTRAINT "Materialization_assetKey_fkey" FOREIGN KEY ("assetKey") REFERENCES "Asset"("key") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Materialization" ADD CONSTRAINT "Materialization_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Run" ADD CONSTRAINT "Run_locationId_fkey" FOREIGN KEY ("locationId") REFERENCES "CodeLocation"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Run" ADD CONSTRAINT "Run_parentRunId_fkey" FOREIGN KEY ("parentRunId") REFERENCES "Run"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RunStep" ADD CONSTRAINT "RunStep_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RunEvent" ADD CONSTRAINT "RunEvent_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE CASCADE ON UPDATE CASCADE;
