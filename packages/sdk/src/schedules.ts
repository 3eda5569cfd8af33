import type { AutomationTick } from "./automation.js";
import type { ClientConnection } from "./client-connection.js";
import type { ScheduleFieldsFragment, ScheduleStatus as GeneratedScheduleStatus, SensorFieldsFragment } from "./generated/graphql.js";
import { toPage, type Connection, type Page } from "./page.js";
import { unwrapResult } from "./result-union.js";

/**
 * RUNNING (it launches a run at every instant of its cron) or STOPPED.
 *
 * @example
 * ```ts
 * const off: ScheduleStatus = "STOPPED";
 * ```
 */
export type ScheduleStatus = GeneratedScheduleStatus;

/**
 * A code location's schedule: its cron, time zone and target from the manifest, its status and
 * next tick on the server.
 *
 * @example
 * ```ts
 * const due = (s: Schedule) => s.status === "RUNNING" && s.nextTickAt !== null;
 * ```
 */
export type Schedule = ScheduleFieldsFragment;

/**
 * A schedule with its latest ticks, newest first.
 *
 * @example
 * ```ts
 * const [latest] = (await client.schedules({ location: "etl" }))[0]!.ticks.items;
 * ```
 */
export type ScheduleWithTicks = Schedule & { ticks: Page<AutomationTick> };

/**
 * A code location's sensor: its timing and targets from the manifest, its status, cursor and
 * next tick on the server.
 *
 * @example
 * ```ts
 * const lagging = (s: Sensor) => s.status === "RUNNING" && s.cursor === null;
 * ```
 */
export type Sensor = SensorFieldsFragment;

/**
 * A sensor with its latest ticks, newest first.
 *
 * @example
 * ```ts
 * const [latest] = (await client.sensors({ location: "etl" }))[0]!.ticks.items;
 * ```
 */
export type SensorWithTicks = Sensor & { ticks: Page<AutomationTick> };

/**
 * A code location's automation: its condition evaluator's state and its schedules.
 *
 * @example
 * ```ts
 * const running = (l: LocationAutomation) => l.schedules.filter((s) => s.status === "RUNNING");
 * ```
 */
export interface LocationAutomation {
  location: string;
  paused: boolean;
  nextTickAt: string | null;
  schedules: ScheduleWithTicks[];
  sensors: SensorWithTicks[];
}

/**
 * The schedule methods of {@link StrataClient}.
 *
 * @example
 * ```ts
 * const methods: ScheduleMethods = createClient({ url, token });
 * await methods.stopSchedule("etl", "nightly");
 * ```
 */
export interface ScheduleMethods {
  /**
   * Schedules of every code location (or of one), sorted by location and name, each with its
   * latest `ticks` ticks (default 5). Requires `read`.
   *
   * @example
   * ```ts
   * for (const s of await client.schedules({ location: "etl" })) console.log(s.name, s.status, s.nextTickAt);
   * ```
   */
  schedules(options?: { location?: string | undefined; ticks?: number | undefined }): Promise<ScheduleWithTicks[]>;

  /**
   * Each code location's automation: its condition evaluator (paused or not, next tick) and its
   * schedules with their latest `ticks` ticks. Requires `read`.
   *
   * @example
   * ```ts
   * for (const l of await client.automationOverview()) console.log(l.location, l.paused, l.schedules.length);
   * ```
   */
  automationOverview(options?: { location?: string | undefined; ticks?: number | undefined }): Promise<LocationAutomation[]>;

  /**
   * Starts a schedule from now (instants missed while it was stopped are not launched). Throws
   * `NotFoundError` for an unknown location or schedule. Requires `launch`.
   *
   * @example
   * ```ts
   * const s = await client.startSchedule("etl", "nightly");
   * console.log(s.nextTickAt);
   * ```
   */
  startSchedule(location: string, name: string): Promise<Schedule>;

  /**
   * Stops a schedule. Throws `NotFoundError` for an unknown location or schedule. Requires `launch`.
   *
   * @example
   * ```ts
   * await client.stopSchedule("etl", "nightly");
   * ```
   */
  stopSchedule(location: string, name: string): Promise<Schedule>;

  /**
   * Sensors of every code location (or of one), sorted by location and name, each with its
   * latest `ticks` ticks (default 5). Requires `read`.
   *
   * @example
   * ```ts
   * for (const s of await client.sensors({ location: "etl" })) console.log(s.name, s.status, s.cursor);
   * ```
   */
  sensors(options?: { location?: string | undefined; ticks?: number | undefined }): Promise<SensorWithTicks[]>;

  /**
   * Starts or stops a sensor. Throws `NotFoundError` for an unknown location or sensor. Requires `launch`.
   *
   * @example
   * ```ts
   * await client.setSensorStatus("etl", "new_files", "STOPPED");
   * ```
   */
  setSensorStatus(location: string, name: string, status: ScheduleStatus): Promise<Sensor>;

  /**
   * Sets a sensor's cursor (null clears it): its next tick gets it as `ctx.cursor`. Requires `launch`.
   *
   * @example
   * ```ts
   * await client.setSensorCursor("etl", "new_files", "2024-06-01.csv");
   * ```
   */
  setSensorCursor(location: string, name: string, cursor: string | null): Promise<Sensor>;
}

/** Options of the methods that read the Schedules query. */
interface AutomationReadOptions {
  location?: string | undefined;
  ticks?: number | undefined;
}

/** A schedule or sensor as the Schedules query returns it, with its ticks connection as a {@link Page}. */
function withTickPage<T extends { ticks: Connection<AutomationTick> }>(instigator: T): Omit<T, "ticks"> & { ticks: Page<AutomationTick> } {
  const { ticks, ...rest } = instigator;
  return { ...rest, ticks: toPage(ticks) };
}

export function scheduleMethods({ sdk }: ClientConnection): ScheduleMethods {
  // Schedules, sensors and the automation overview read one query: every schedule and sensor
  // (of one location or all) with its latest ticks, and the locations' automation state.
  const readAutomation = (options: AutomationReadOptions) =>
    sdk.Schedules({ location: options.location ?? null, ticks: options.ticks ?? 5 });
  return {
    async schedules(options = {}) {
      const { schedules } = await readAutomation(options);
      return schedules.map(withTickPage);
    },
    async automationOverview(options = {}) {
      const { schedules, sensors, codeLocations } = await readAutomation(options);
      return codeLocations
        .filter((l) => options.location === undefined || l.name === options.location)
        .map((l) => ({
          location: l.name,
          paused: l.automation?.paused ?? false,
          nextTickAt: l.automation?.nextTickAt ?? null,
          schedules: schedules.filter((s) => s.location === l.name).map(withTickPage),
          sensors: sensors.filter((s) => s.location === l.name).map(withTickPage),
        }))
        .sort((a, b) => (a.location < b.location ? -1 : 1));
    },
    async startSchedule(location, name) {
      return unwrapResult((await sdk.StartSchedule({ location, name })).startSchedule, "Schedule");
    },
    async stopSchedule(location, name) {
      return unwrapResult((await sdk.StopSchedule({ location, name })).stopSchedule, "Schedule");
    },
    async sensors(options = {}) {
      const { sensors } = await readAutomation(options);
      return sensors.map(withTickPage);
    },
    async setSensorStatus(location, name, status) {
      return status === "RUNNING"
        ? unwrapResult((await sdk.StartSensor({ location, name })).startSensor, "Sensor")
        : unwrapResult((await sdk.StopSensor({ location, name })).stopSensor, "Sensor");
    },
    async setSensorCursor(location, name, cursor) {
      return unwrapResult((await sdk.SetSensorCursor({ location, name, cursor })).setSensorCursor, "Sensor");
    },
  };
}
