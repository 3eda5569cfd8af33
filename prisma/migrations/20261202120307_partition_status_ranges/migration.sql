-- CreateTable
CREATE TABLE "PartitionStatusRange" (
    "assetKey" TEXT NOT NULL,
    "startIndex" INTEGER NOT NULL,
    "endIndex" INTEGER NOT NULL,
    "status" "PartitionStatus" NOT NULL,

    CONSTRAINT "PartitionStatusRange_pkey" PRIMARY KEY ("assetKey","startIndex")
);

-- CreateTable
CREATE TABLE "PartitionStatusDirty" (
    "txid" BIGINT NOT NULL,
    "assetKey" TEXT NOT NULL,
    "block" INTEGER NOT NULL,

    CONSTRAINT "PartitionStatusDirty_pkey" PRIMARY KEY ("txid","assetKey","block")
);

-- Maintenance of "PartitionStatusRange" (not modelled by Prisma). Two steps, so that every
-- writer of "AssetPartition" keeps it exact without taking a shared lock early:
--  1. Statement triggers on "AssetPartition" note the blocks (1,024 timeIndexes, `>> 10`) that
--     the statement touched, old and new rows alike, in "PartitionStatusDirty" under the
--     transaction's id: rows no other transaction writes, so concurrent writers never wait there.
--  2. A deferred constraint trigger on "PartitionStatusDirty" fires as the transaction commits,
--     after all its other work: it takes one transaction-level advisory lock per dirty block, in
--     one global order (so commit-time locks cannot deadlock, and no lock is taken before a row
--     lock elsewhere, e.g. the Backfill row at a run's end), then rebuilds each block from
--     "AssetPartition" in statements that start after the locks are held, and so see every
--     change committed by the previous holder.
-- A partition indexed twice (keys of an older definition) counts once, with its latest status.

CREATE FUNCTION "strata_partition_status_dirty"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO "PartitionStatusDirty" ("txid", "assetKey", "block")
    SELECT DISTINCT txid_current(), "assetKey", "timeIndex" >> 10 FROM "strata_new_rows" WHERE "timeIndex" IS NOT NULL
    ON CONFLICT DO NOTHING;
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO "PartitionStatusDirty" ("txid", "assetKey", "block")
    SELECT txid_current(), "assetKey", "timeIndex" >> 10 FROM "strata_new_rows" WHERE "timeIndex" IS NOT NULL
    UNION
    SELECT txid_current(), "assetKey", "timeIndex" >> 10 FROM "strata_old_rows" WHERE "timeIndex" IS NOT NULL
    ON CONFLICT DO NOTHING;
  ELSE
    INSERT INTO "PartitionStatusDirty" ("txid", "assetKey", "block")
    SELECT DISTINCT txid_current(), "assetKey", "timeIndex" >> 10 FROM "strata_old_rows" WHERE "timeIndex" IS NOT NULL
    ON CONFLICT DO NOTHING;
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER "AssetPartition_status_ranges_insert" AFTER INSERT ON "AssetPartition"
  REFERENCING NEW TABLE AS "strata_new_rows" FOR EACH STATEMENT EXECUTE FUNCTION "strata_partition_status_dirty"();
CREATE TRIGGER "AssetPartition_status_ranges_update" AFTER UPDATE ON "AssetPartition"
  REFERENCING OLD TABLE AS "strata_old_rows" NEW TABLE AS "strata_new_rows" FOR EACH STATEMENT EXECUTE FUNCTION "strata_partition_status_dirty"();
CREATE TRIGGER "AssetPartition_status_ranges_delete" AFTER DELETE ON "AssetPartition"
  REFERENCING OLD TABLE AS "strata_old_rows" FOR EACH STATEMENT EXECUTE FUNCTION "strata_partition_status_dirty"();

CREATE FUNCTION "strata_partition_status_rebuild"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  b record;
  locked boolean := false;
BEGIN
  -- A rebuild must see what the previous holder of a block's lock committed: a snapshot per
  -- statement, which only READ COMMITTED gives.
  IF current_setting('transaction_isolation') <> 'read committed' THEN
    RAISE EXCEPTION 'partition status ranges are kept by READ COMMITTED transactions only, not %', current_setting('transaction_isolation');
  END IF;
  -- The first firing in a transaction rebuilds every block it marked; the others find none.
  FOR b IN SELECT DISTINCT hashtext("assetKey") AS h, "block" FROM "PartitionStatusDirty" WHERE "txid" = txid_current() ORDER BY 1, 2 LOOP
    PERFORM pg_advisory_xact_lock(b.h, b."block");
    locked := true;
  END LOOP;
  IF NOT locked THEN
    RETURN NULL;
  END IF;
  DELETE FROM "PartitionStatusRange" r USING "PartitionStatusDirty" d
  WHERE d."txid" = txid_current() AND r."assetKey" = d."assetKey"
    AND r."startIndex" BETWEEN d."block" << 10 AND (d."block" << 10) + 1023;
  -- Block by block (index order, in-memory sorts of at most 1,024 rows): a range starts where
  -- the index before it is absent or has another status.
  INSERT INTO "PartitionStatusRange" ("assetKey", "startIndex", "endIndex", "status")
  SELECT d."assetKey", x.s, x.e, x.status FROM "PartitionStatusDirty" d CROSS JOIN LATERAL (
    SELECT min(i) AS s, max(i) AS e, min(status) AS status FROM (
      SELECT i, status, sum(starts) OVER (ORDER BY i ROWS UNBOUNDED PRECEDING) AS run FROM (
        SELECT i, status, CASE WHEN lag(i) OVER w = i - 1 AND lag(status) OVER w = status THEN 0 ELSE 1 END AS starts FROM (
          SELECT DISTINCT ON (p."timeIndex") p."timeIndex" AS i, p."status" FROM "AssetPartition" p
          WHERE p."assetKey" = d."assetKey" AND p."timeIndex" BETWEEN d."block" << 10 AND (d."block" << 10) + 1023
          ORDER BY p."timeIndex", p."updatedAt" DESC
        ) latest
        WINDOW w AS (ORDER BY i)
      ) flagged
    ) numbered
    GROUP BY run
  ) x
  WHERE d."txid" = txid_current();
  DELETE FROM "PartitionStatusDirty" WHERE "txid" = txid_current();
  RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER "PartitionStatusDirty_rebuild" AFTER INSERT ON "PartitionStatusDirty"
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION "strata_partition_status_rebuild"();

-- The statuses stored before this migration.
INSERT INTO "PartitionStatusDirty" ("txid", "assetKey", "block")
SELECT DISTINCT txid_current(), "assetKey", "timeIndex" >> 10 FROM "AssetPartition" WHERE "timeIndex" IS NOT NULL;
