-- CreateTable
CREATE TABLE "SyncRefresh" (
    "id" BIGSERIAL NOT NULL,
    "assetKey" TEXT NOT NULL,
    "queuedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SyncRefresh_pkey" PRIMARY KEY ("id")
);
