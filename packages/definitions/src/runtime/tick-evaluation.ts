import type { Clock } from "../execution/clock.js";
import { serializeError } from "../execution/serialize-error.js";
import { pause } from "./backoff.js";
import type { WorkerLogger } from "./worker-logger.js";

/** One tick a worker took, of a sensor or a schedule function, and what evaluating it means. */
export interface TickEvaluation {
  kind: "sensor" | "schedule";
  /** The sensor's or the schedule's name. */
  name: string;
  tickId: string;
  /** The user's function for this tick, or why there is none in this location's definitions. */
  fn:
    | { evaluate: (signal: AbortSignal) => Promise<unknown>; timeoutMs: number; timeoutError: { name: string; message: string } }
    | { missing: string };
  /** Sends the result to the server. */
  report: (result: unknown) => Promise<{ runIds: string[] }>;
}

/**
 * Evaluates one tick here, in the location's process: calls the function (its signal aborted
 * after `timeoutMs`) and reports what it returned, the error it threw, or that it ran out of time.
 * A report the server refuses is logged: the server fails the tick at its own deadline.
 */
export async function evaluateTick(tick: TickEvaluation, options: { logger: WorkerLogger; clock: Clock }): Promise<void> {
  const { logger, clock } = options;
  const fields = { [tick.kind]: tick.name };
  let result: unknown;
  if ("missing" in tick.fn) {
    result = { error: { name: "Error", message: tick.fn.missing, stack: null, cause: null } };
  } else {
    const { evaluate, timeoutMs, timeoutError } = tick.fn;
    const timeout = new AbortController();
    // Timed here from when this worker took the tick (the server keeps its own deadline; the
    // two clocks may disagree).
    const timedOut = pause(clock, timeoutMs, timeout.signal).then(() => {
      if (!timeout.signal.aborted) timeout.abort();
      return "timeout" as const;
    });
    const evaluating = evaluate(timeout.signal).then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    const outcome = await Promise.race([evaluating, timedOut]);
    if (outcome === "timeout") {
      result = { error: { name: timeoutError.name, message: timeoutError.message, stack: null, cause: null } };
      logger.warn(timeoutError.message, { ...fields, tickId: tick.tickId });
    } else {
      timeout.abort();
      result = "error" in outcome ? { error: serializeError(outcome.error) } : outcome.value;
      if ("error" in outcome) logger.warn(`${tick.kind} "${tick.name}" failed: ${describeError(outcome.error)}`, fields);
    }
  }
  try {
    const report = await tick.report(result);
    if (report.runIds.length)
      logger.info(`${tick.kind} "${tick.name}" launched ${report.runIds.length} run(s): ${report.runIds.join(", ")}`, fields);
  } catch (error) {
    logger.error(`reporting ${tick.kind} "${tick.name}"'s tick ${tick.tickId} failed: ${describeError(error)}`, fields);
  }
}

/** An error in one line of a log message. */
export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
