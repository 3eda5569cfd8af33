-- AlterTable
ALTER TABLE "AutomationEvaluation" ADD COLUMN     "partitionKey" TEXT;
