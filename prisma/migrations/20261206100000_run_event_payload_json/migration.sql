-- AlterTable
ALTER TABLE "RunEvent" ALTER COLUMN "payload" SET DATA TYPE JSON;
