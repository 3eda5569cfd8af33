-- A launch's admission decision in the launch's own statement, so a launch is one round trip
-- to the database instead of four (BEGIN, the coordinator's lock, the statement, COMMIT).
--
-- A statement reads one snapshot, taken before it runs: a lock it takes part-way would not make
-- the runs admitted by a launch that committed meanwhile visible to it. A VOLATILE function
-- takes a fresh snapshot for each query it runs (READ COMMITTED), so here the lock comes first
-- and the queue is read after it, as `lockQueue` followed by a statement does. The lock is held
-- until the launch's transaction ends (the statement's own, or the caller's).
--
-- `admit_up_to`: the global limit (0: none, so no count and no lock: admission then only looks
-- for a run queued ahead); below 0, never admit. `lock_key`: the coordinator's advisory lock
-- (COORDINATOR_LOCK in runs/queue.ts).
CREATE FUNCTION "strata_launch_status"(admit_up_to int, lock_key bigint) RETURNS "RunStatus"
  LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  IF admit_up_to < 0 THEN
    RETURN 'QUEUED';
  END IF;
  IF admit_up_to > 0 THEN
    PERFORM pg_advisory_xact_lock(lock_key);
  END IF;
  IF EXISTS (SELECT 1 FROM "Run" WHERE status = 'QUEUED') THEN
    RETURN 'QUEUED';
  END IF;
  IF admit_up_to > 0 AND (SELECT count(*) FROM "Run" WHERE status IN ('STARTING', 'STARTED', 'CANCELING')) >= admit_up_to THEN
    RETURN 'QUEUED';
  END IF;
  RETURN 'STARTING';
END $$;
