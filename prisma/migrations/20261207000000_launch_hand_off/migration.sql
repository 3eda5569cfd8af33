-- A launch that hands its run straight to a worker of its code location waiting on the same
-- server (a long-polling claimRun): the run is stored STARTED, claimed, instead of STARTING and
-- then claimed by a statement of its own.
--
-- The same decision as strata_launch_status(admit_up_to, lock_key) (which stays, for servers of
-- the version before), then: an admitted run is handed off ('STARTED') only while no other run
-- of `location_id` is STARTING. A claim takes the STARTING runs by priority, oldest first; a run
-- waiting there goes first, so the launch's run is only handed to a worker when a claim would
-- have taken it. Read after the coordinator's lock (under a limit) in a fresh snapshot, so a run
-- another launch admitted meanwhile is seen. Without `location_id` (null), no hand-off.
CREATE FUNCTION "strata_launch_status"(admit_up_to int, lock_key bigint, location_id text) RETURNS "RunStatus"
  LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  admitted "RunStatus" := "strata_launch_status"(admit_up_to, lock_key);
BEGIN
  IF admitted = 'STARTING' AND location_id IS NOT NULL
     AND NOT EXISTS (SELECT 1 FROM "Run" WHERE "locationId" = location_id AND status = 'STARTING') THEN
    RETURN 'STARTED';
  END IF;
  RETURN admitted;
END $$;
