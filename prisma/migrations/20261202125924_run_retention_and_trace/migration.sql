-- AlterTable
ALTER TABLE "Run" ADD COLUMN     "eventsPurgedAt" TIMESTAMP(3),
ADD COLUMN     "traceparent" TEXT;

-- CreateIndex
CREATE INDEX "Run_eventsPurgedAt_endedAt_idx" ON "Run"("eventsPurgedAt", "endedAt");
