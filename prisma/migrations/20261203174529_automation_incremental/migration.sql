-- AlterTable
ALTER TABLE "AssetCheckExecution" ADD COLUMN     "changeSeq" BIGINT NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "AutomationEvaluation" ADD COLUMN     "counts" INTEGER[] DEFAULT ARRAY[]::INTEGER[],
ADD COLUMN     "treeHash" TEXT,
ALTER COLUMN "nodes" DROP NOT NULL;

-- AlterTable
ALTER TABLE "AutomationInstigator" ADD COLUMN     "changeSeq" BIGINT NOT NULL DEFAULT 0,
ADD COLUMN     "flipped" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "pending" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "previousChangeSeq" BIGINT NOT NULL DEFAULT 0,
ADD COLUMN     "previousMaterializationId" BIGINT NOT NULL DEFAULT 0,
ADD COLUMN     "versionId" TEXT;

-- AlterTable
ALTER TABLE "Backfill" ADD COLUMN     "changeSeq" BIGINT NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "Run" ADD COLUMN     "changeSeq" BIGINT NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "AutomationConditionTree" (
    "hash" TEXT NOT NULL,
    "nodes" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AutomationConditionTree_pkey" PRIMARY KEY ("hash")
);

-- CreateIndex
CREATE INDEX "AssetCheckExecution_changeSeq_idx" ON "AssetCheckExecution"("changeSeq");

-- CreateIndex
CREATE INDEX "Backfill_changeSeq_idx" ON "Backfill"("changeSeq");

-- CreateIndex
CREATE INDEX "Run_changeSeq_idx" ON "Run"("changeSeq");

-- What changed for automation (not modelled by Prisma): every write of a run's, a backfill's or
-- a check execution's status takes the next number of one sequence, so a tick finds the assets
-- whose runs, backfills or checks changed since it last looked with an index range scan. A
-- sequence is not transactional: a tick re-reads the numbers of the two ticks before it, so a
-- write committed up to one tick late is still seen (evaluating an asset again is harmless).
CREATE SEQUENCE "AutomationChange";

CREATE FUNCTION "strata_automation_change"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW."changeSeq" := nextval('"AutomationChange"');
  RETURN NEW;
END $$;

CREATE TRIGGER "Run_changeSeq" BEFORE INSERT OR UPDATE OF status ON "Run"
  FOR EACH ROW EXECUTE FUNCTION "strata_automation_change"();
CREATE TRIGGER "Backfill_changeSeq" BEFORE INSERT OR UPDATE OF status ON "Backfill"
  FOR EACH ROW EXECUTE FUNCTION "strata_automation_change"();
CREATE TRIGGER "AssetCheckExecution_changeSeq" BEFORE INSERT OR UPDATE OF status ON "AssetCheckExecution"
  FOR EACH ROW EXECUTE FUNCTION "strata_automation_change"();
