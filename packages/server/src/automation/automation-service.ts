import type { ManifestSchedule, ManifestSensor } from "@strata/protocol";
import type { Database } from "../db/database.js";
import type { Logger } from "../logger.js";
import type { RunService } from "../runs/run-service.js";
import { DEFAULT_SCHEDULE_MAX_CATCHUP, type ScheduleTickOutcome, tickSchedule } from "./schedule-tick.js";
import { type SensorTickOutcome, tickSensor } from "./sensor-tick.js";
import { type AutomationLocation, automatedAssets, type LocationTickOutcome, tickLocation } from "./tick.js";

/** Dagster's DEFAULT_SENSOR_DAEMON_INTERVAL, 30 s. */
export const DEFAULT_AUTOMATION_INTERVAL_MS = 30_000;

export interface AutomationConfig {
  /** How often each location's conditions are evaluated (STRATA_AUTOMATION_INTERVAL_MS). */
  intervalMs: number;
  /** How many missed instants a schedule launches after downtime (STRATA_SCHEDULE_MAX_CATCHUP); default 1. */
  scheduleMaxCatchup?: number;
}

export interface LocationTick {
  location: string;
  /** The condition evaluator's tick; "no_conditions" when no asset of the location has a condition. */
  outcome: LocationTickOutcome | { kind: "failed"; tickId: string; error: string } | { kind: "no_conditions" };
  /** Its schedules' ticks, in manifest order. */
  schedules: Array<ScheduleTickOutcome | { schedule: string; kind: "failed"; tickId: string; error: string }>;
  /** Its sensors' turns, in manifest order (absent when it has none). */
  sensors?: Array<SensorTickOutcome | { sensor: string; kind: "failed"; tickId: string; error: string }>;
}

/**
 * The automation loop: every interval, each code location's running schedules launch what is due
 * (schedule-tick.ts), and each code location with automated assets gets a tick (tick.ts). Every replica runs the loop; a per-location advisory lock and the location's
 * stored next tick time make one of them evaluate it, once per interval.
 */
export class AutomationService {
  private timer: NodeJS.Timeout | undefined;
  private pending: Promise<LocationTick[]> | undefined;
  private stopped = false;

  constructor(
    private readonly db: Database,
    private readonly runs: RunService,
    readonly config: AutomationConfig,
    private readonly logger: Logger,
    /** The tick's clock; tests inject one. */
    private readonly clock: () => number = Date.now,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.config.intervalMs);
    this.timer.unref();
    void this.tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.pending;
  }

  /**
   * Ticks every location whose tick is due (or every one, with `force`). A tick already under
   * way is awaited instead of starting another beside it.
   */
  async tick(options: { force?: boolean } = {}): Promise<LocationTick[]> {
    if (this.stopped) return [];
    while (this.pending) await this.pending;
    this.pending = this.tickAll(options.force ?? false).finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async tickAll(force: boolean): Promise<LocationTick[]> {
    const sql = this.db.sql;
    const out: LocationTick[] = [];
    let locations: AutomationLocation[];
    try {
      locations = await sql.query<AutomationLocation>(
        `SELECT id, name, "currentVersionId" AS "versionId" FROM "CodeLocation" WHERE "currentVersionId" IS NOT NULL ORDER BY name`,
      );
    } catch (error) {
      this.logger.error("automation tick could not list code locations", { error });
      return out;
    }
    for (const location of locations) {
      if (this.stopped) break;
      const now = new Date(this.clock());
      try {
        const manifest = await this.runs.manifests.get(sql, location.versionId);
        const schedules: LocationTick["schedules"] = [];
        for (const schedule of manifest.schedules ?? []) schedules.push(await this.tickSchedule(location, schedule, now));
        const sensors: NonNullable<LocationTick["sensors"]> = [];
        for (const sensor of manifest.sensors ?? []) sensors.push(await this.tickSensor(location, sensor, now));
        const withSensors = sensors.length ? { sensors } : {};
        if (automatedAssets(manifest).length === 0) {
          if (schedules.length || sensors.length)
            out.push({ location: location.name, outcome: { kind: "no_conditions" }, schedules, ...withSensors });
          continue;
        }
        try {
          const outcome = await tickLocation(sql, this.runs.manifests, location, { now, intervalMs: this.config.intervalMs, force });
          if (outcome.kind === "ticked") {
            for (const run of outcome.runs) this.runs.announce(run);
            this.completed(location.name, outcome.tickId);
            this.runs.metrics.automationTicked(location.name, "conditions", outcome.status);
          }
          out.push({ location: location.name, outcome, schedules, ...withSensors });
        } catch (error) {
          out.push({ location: location.name, outcome: await this.recordFailure(location, now, error), schedules, ...withSensors });
        }
      } catch (error) {
        out.push({ location: location.name, outcome: await this.recordFailure(location, now, error), schedules: [] });
      }
    }
    return out;
  }

  private async tickSchedule(
    location: AutomationLocation,
    schedule: ManifestSchedule,
    now: Date,
  ): Promise<LocationTick["schedules"][number]> {
    try {
      const outcome = await tickSchedule(this.db.sql, this.runs.manifests, location, schedule, {
        now,
        maxCatchup: this.config.scheduleMaxCatchup ?? DEFAULT_SCHEDULE_MAX_CATCHUP,
      });
      for (const run of outcome.runs) this.runs.announce(run);
      for (const tick of outcome.ticks)
        if (tick.status === "STARTED")
          // A schedule function's instant: its location's workers take it (claimScheduleTicks) and report.
          this.runs.pubsub.publish("runRequests", location.name, { kind: "SCHEDULE_TICK", runId: tick.tickId });
        else this.completed(location.name, tick.tickId);
      for (const failed of outcome.timedOut) {
        this.completed(location.name, failed.tickId);
        this.logger.warn("schedule tick timed out", { location: location.name, schedule: schedule.name, error: failed.error });
      }
      for (const status of ["SUCCESS", "SKIPPED"] as const)
        this.runs.metrics.automationTicked(location.name, "schedule", status, outcome.ticks.filter((t) => t.status === status).length);
      if (outcome.timedOut.length) this.runs.metrics.automationTicked(location.name, "schedule", "FAILURE", outcome.timedOut.length);
      return outcome;
    } catch (error) {
      // Its cursor did not move: the next tick tries the same instants again.
      return { schedule: schedule.name, ...(await this.recordFailure(location, now, error, schedule.name)) };
    }
  }

  /** Tells `tickCompleted` subscribers (after the tick's commit). */
  private completed(location: string, tickId: string): void {
    this.runs.pubsub.publish("tickCompleted", { tickId, location });
  }

  /** A sensor's turn: a due tick is handed to the location over its run-request channel. */
  private async tickSensor(
    location: AutomationLocation,
    sensor: ManifestSensor,
    now: Date,
  ): Promise<NonNullable<LocationTick["sensors"]>[number]> {
    try {
      const outcome = await tickSensor(this.db.sql, location, sensor, now);
      if (outcome.timedOut) {
        this.completed(location.name, outcome.timedOut.tickId);
        this.runs.metrics.automationTicked(location.name, "sensor", "FAILURE");
        this.logger.warn("sensor tick timed out", { location: location.name, sensor: sensor.name, error: outcome.timedOut.error });
      }
      if (outcome.tickId) this.runs.pubsub.publish("runRequests", location.name, { kind: "SENSOR_TICK", runId: outcome.tickId });
      return outcome;
    } catch (error) {
      return { sensor: sensor.name, ...(await this.recordFailure(location, now, error, null, sensor.name)) };
    }
  }

  /** The tick's transaction rolled back: a FAILURE tick says why; nothing else was written. */
  private async recordFailure(
    location: AutomationLocation,
    now: Date,
    error: unknown,
    scheduleName: string | null = null,
    sensorName: string | null = null,
  ) {
    const message = error instanceof Error ? error.message : String(error);
    this.runs.metrics.automationTicked(location.name, sensorName ? "sensor" : scheduleName === null ? "conditions" : "schedule", "FAILURE");
    this.logger.error("automation tick failed", { location: location.name, schedule: scheduleName, sensor: sensorName, error });
    try {
      const [row] = await this.db.sql.query<{ id: string }>(
        `INSERT INTO "AutomationTick" ("locationId", status, "startedAt", "endedAt", "runIds", error, "scheduleName", "sensorName")
         VALUES ($1, 'FAILURE', $2, now(), '{}', $3::jsonb, $4, $5) RETURNING id::text`,
        [location.id, now, JSON.stringify({ name: error instanceof Error ? error.name : "Error", message }), scheduleName, sensorName],
      );
      this.completed(location.name, row!.id);
      return { kind: "failed" as const, tickId: row!.id, error: message };
    } catch (recordError) {
      this.logger.error("automation tick failure could not be recorded", { location: location.name, error: recordError });
      return { kind: "failed" as const, tickId: "", error: message };
    }
  }
}
