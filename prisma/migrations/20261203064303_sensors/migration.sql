-- AlterTable
ALTER TABLE "AutomationTick" ADD COLUMN     "claimedBy" TEXT,
ADD COLUMN     "deadlineAt" TIMESTAMP(3),
ADD COLUMN     "runKeys" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "sensorName" TEXT;

-- CreateTable
CREATE TABLE "SensorState" (
    "locationId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "status" "ScheduleStatus",
    "cursor" TEXT,
    "lastTickAt" TIMESTAMP(3),
    "nextTickAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SensorState_pkey" PRIMARY KEY ("locationId","name")
);

-- CreateTable
CREATE TABLE "SensorRunKey" (
    "locationId" TEXT NOT NULL,
    "sensorName" TEXT NOT NULL,
    "runKey" TEXT NOT NULL,
    "runId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SensorRunKey_pkey" PRIMARY KEY ("locationId","sensorName","runKey")
);

-- CreateIndex
CREATE INDEX "AutomationTick_locationId_sensorName_id_idx" ON "AutomationTick"("locationId", "sensorName", "id" DESC);

-- AddForeignKey
ALTER TABLE "SensorState" ADD CONSTRAINT "SensorState_locationId_fkey" FOREIGN KEY ("locationId") REFERENCES "CodeLocation"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SensorRunKey" ADD CONSTRAINT "SensorRunKey_locationId_fkey" FOREIGN KEY ("locationId") REFERENCES "CodeLocation"("id") ON DELETE CASCADE ON UPDATE CASCADE;
