-- CreateEnum
CREATE TYPE "ScheduleStatus" AS ENUM ('RUNNING', 'STOPPED');

-- AlterTable
ALTER TABLE "AutomationTick" ADD COLUMN     "scheduleName" TEXT,
ADD COLUMN     "scheduledAt" TIMESTAMP(3),
ADD COLUMN     "skipReason" TEXT;

-- CreateTable
CREATE TABLE "ScheduleState" (
    "locationId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "status" "ScheduleStatus",
    "cursor" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ScheduleState_pkey" PRIMARY KEY ("locationId","name")
);

-- CreateIndex
CREATE INDEX "AutomationTick_locationId_scheduleName_id_idx" ON "AutomationTick"("locationId", "scheduleName", "id" DESC);

-- AddForeignKey
ALTER TABLE "ScheduleState" ADD CONSTRAINT "ScheduleState_locationId_fkey" FOREIGN KEY ("locationId") REFERENCES "CodeLocation"("id") ON DELETE CASCADE ON UPDATE CASCADE;
