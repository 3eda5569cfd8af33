import type { ClaimedScheduleTick, WorkerClient } from "@strata/sdk";
import type { Definitions } from "../authoring/definitions.js";
import type { Clock } from "../execution/clock.js";
import { serializeError } from "../execution/serialize-error.js";
import { pause } from "./backoff.js";
import type { WorkerLogger } from "./worker-logger.js";

export interface ScheduleEvaluationOptions {
  client: WorkerClient;
  definitions: Definitions;
  location: string;
  workerId: string;
  logger: WorkerLogger;
  clock: Clock;
}

/**
 * Evaluates one schedule function's tick here, in the location's process: calls the function
 * with the tick's scheduled instant (its signal aborted after the schedule's `timeoutMs`) and
 * reports what it returned, the error it threw, or that it ran out of time.
 */
export async function evaluateScheduleTick(tick: ClaimedScheduleTick, options: ScheduleEvaluationOptions): Promise<void> {
  const { client, definitions, location, workerId, logger, clock } = options;
  const schedule = definitions.schedules.find((s) => s.name === tick.schedule);
  let result: unknown;
  if (!schedule?.fn || schedule.timeoutMs === null) {
    const message = `schedule "${tick.schedule}" is not defined with a function by this location's definitions`;
    result = { error: { name: "Error", message, stack: null, cause: null } };
  } else {
    const timeoutMs = schedule.timeoutMs;
    const timeout = new AbortController();
    // Timed from when this worker took the tick; the server keeps its own deadline.
    const timedOut = pause(clock, timeoutMs, timeout.signal).then(() => {
      if (!timeout.signal.aborted) timeout.abort();
      return "timeout" as const;
    });
    const evaluating = schedule.evaluate({ scheduledTime: new Date(tick.scheduledAt), signal: timeout.signal }).then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    const outcome = await Promise.race([evaluating, timedOut]);
    if (outcome === "timeout") {
      const message = `schedule "${schedule.name}" timed out after ${timeoutMs} ms (timeoutMs) evaluating ${tick.scheduledAt}`;
      result = { error: { name: "ScheduleTimeoutError", message, stack: null, cause: null } };
      logger.warn(message, { schedule: schedule.name, tickId: tick.tickId });
    } else {
      timeout.abort();
      result = "error" in outcome ? { error: serializeError(outcome.error) } : outcome.value;
      if ("error" in outcome) logger.warn(`schedule "${schedule.name}" failed: ${describe(outcome.error)}`, { schedule: schedule.name });
    }
  }
  try {
    const report = await client.reportScheduleTick({ location, tickId: tick.tickId, workerId, result });
    if (report.runIds.length)
      logger.info(`schedule "${tick.schedule}" launched ${report.runIds.length} run(s): ${report.runIds.join(", ")}`, {
        schedule: tick.schedule,
      });
  } catch (error) {
    logger.error(`reporting schedule "${tick.schedule}"'s tick ${tick.tickId} failed: ${describe(error)}`, { schedule: tick.schedule });
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
