import type { AutomationTick } from "./automation.js";
import type { ClientConnection } from "./client-connection.js";
import type { ScheduleFieldsFragment, ScheduleStatus as GeneratedScheduleStatus } from "./generated/graphql.js";
import { toPage, type Page } from "./page.js";
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
}

export function scheduleMethods({ sdk }: ClientConnection): ScheduleMethods {
  return {
    async schedules(options = {}) {
      const { schedules } = await sdk.Schedules({ location: options.location ?? null, ticks: options.ticks ?? 5 });
      return schedules.map(({ ticks, ...schedule }) => ({ ...schedule, ticks: toPage(ticks) }));
    },
    async automationOverview(options = {}) {
      const { schedules, codeLocations } = await sdk.Schedules({ location: options.location ?? null, ticks: options.ticks ?? 5 });
      return codeLocations
        .filter((l) => options.location === undefined || l.name === options.location)
        .map((l) => ({
          location: l.name,
          paused: l.automation?.paused ?? false,
          nextTickAt: l.automation?.nextTickAt ?? null,
          schedules: schedules.filter((s) => s.location === l.name).map(({ ticks, ...s }) => ({ ...s, ticks: toPage(ticks) })),
        }))
        .sort((a, b) => (a.location < b.location ? -1 : 1));
    },
    async startSchedule(location, name) {
      return unwrapResult((await sdk.StartSchedule({ location, name })).startSchedule, "Schedule");
    },
    async stopSchedule(location, name) {
      return unwrapResult((await sdk.StopSchedule({ location, name })).stopSchedule, "Schedule");
    },
  };
}
