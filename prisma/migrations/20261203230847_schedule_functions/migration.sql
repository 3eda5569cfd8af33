-- CreateTable
CREATE TABLE "ScheduleRunKey" (
    "locationId" TEXT NOT NULL,
    "scheduleName" TEXT NOT NULL,
    "runKey" TEXT NOT NULL,
    "runId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ScheduleRunKey_pkey" PRIMARY KEY ("locationId","scheduleName","runKey")
);

-- AddForeignKey
ALTER TABLE "ScheduleRunKey" ADD CONSTRAINT "ScheduleRunKey_locationId_fkey" FOREIGN KEY ("locationId") REFERENCES "CodeLocation"("id") ON DELETE CASCADE ON UPDATE CASCADE;
