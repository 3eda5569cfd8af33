import type { ClaimedScheduleTick, WorkerClient } from "@strata/sdk";
import type { Definitions } from "../authoring/definitions.js";
import type { Clock } from "../execution/clock.js";
import { evaluateTick } from "./tick-evaluation.js";
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
  const { client, definitions, location, workerId } = options;
  const schedule = definitions.schedules.find((s) => s.name === tick.schedule);
  const timeoutMs = schedule?.timeoutMs ?? null;
  await evaluateTick(
    {
      kind: "schedule",
      name: tick.schedule,
      tickId: tick.tickId,
      fn:
        !schedule?.fn || timeoutMs === null
          ? { missing: `schedule "${tick.schedule}" is not defined with a function by this location's definitions` }
          : {
              evaluate: (signal) => schedule.evaluate({ scheduledTime: new Date(tick.scheduledAt), signal }),
              timeoutMs,
              timeoutError: {
                name: "ScheduleTimeoutError",
                message: `schedule "${schedule.name}" timed out after ${timeoutMs} ms (timeoutMs) evaluating ${tick.scheduledAt}`,
              },
            },
      report: (result) => client.reportScheduleTick({ location, tickId: tick.tickId, workerId, result }),
    },
    options,
  );
}
