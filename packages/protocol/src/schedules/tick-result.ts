import type { z } from "zod";
import { sensorTickResultSchema } from "../sensors/sensor.js";

/**
 * What a code location reports for a schedule function's tick: the sensors' answer without a
 * cursor (a schedule's position is its scheduled instant). A run request whose fields are all
 * null is the schedule's default run (what the function returning nothing asks for).
 */
export const scheduleTickResultSchema = sensorTickResultSchema.omit({ cursor: true });

/**
 * @example
 * ```ts
 * const result: ScheduleTickResult = scheduleTickResultSchema.parse({ skipReason: "holiday" });
 * ```
 */
export type ScheduleTickResult = z.output<typeof scheduleTickResultSchema>;
/** The result as a location writes it (defaults filled in by the server). */
export type ScheduleTickResultInput = z.input<typeof scheduleTickResultSchema>;
