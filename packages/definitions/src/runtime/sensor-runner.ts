import type { ClaimedScheduleTick, ClaimedSensorTick, WorkerClient } from "@strata/sdk";
import type { Definitions } from "../authoring/definitions.js";
import { serializeError } from "../execution/serialize-error.js";
import type { Clock } from "../execution/clock.js";
import { pause } from "./backoff.js";
import { evaluateScheduleTick } from "./schedule-evaluation.js";
import type { WorkerLogger } from "./worker-logger.js";

export interface SensorRunnerOptions {
  client: WorkerClient;
  definitions: Definitions;
  location: string;
  workerId: string;
  logger: WorkerLogger;
  clock: Clock;
  /** The fallback poll for ticks whose announcement was missed. */
  pollIntervalMs: number;
}

/**
 * Evaluates this location's sensors and schedule functions when the server ticks them: woken by
 * a SENSOR_TICK or SCHEDULE_TICK run request (or the fallback poll), it takes the location's
 * waiting ticks, runs each sensor's function with its cursor (each schedule's with its scheduled
 * instant, schedule-evaluation.ts), and reports what it returned, or the error it threw, or that
 * it ran past its `timeoutMs` (its signal is aborted then). User code runs here, never in the server.
 */
export class SensorRunner {
  private woken: (() => void) | null = null;
  private pendingWake = true;

  constructor(private readonly options: SensorRunnerOptions) {}

  /** Looks for ticks now (a SENSOR_TICK or SCHEDULE_TICK arrived, or the run-request stream reconnected). */
  wake(): void {
    this.pendingWake = true;
    this.woken?.();
  }

  /** Takes and evaluates ticks until `signal` aborts. Resolves at once for definitions without sensors or schedule functions. */
  async run(signal: AbortSignal): Promise<void> {
    const { definitions, clock, pollIntervalMs } = this.options;
    const hasSensors = definitions.sensors.length > 0;
    const hasScheduleFunctions = definitions.schedules.some((s) => s.fn !== null);
    if (!hasSensors && !hasScheduleFunctions) return;
    while (!signal.aborted) {
      if (!this.pendingWake) {
        const wait = new AbortController();
        const onAbort = () => wait.abort();
        signal.addEventListener("abort", onAbort, { once: true });
        this.woken = () => wait.abort();
        await pause(clock, pollIntervalMs, wait.signal);
        signal.removeEventListener("abort", onAbort);
        this.woken = null;
        if (signal.aborted) return;
      }
      this.pendingWake = false;
      const claim = { location: this.options.location, workerId: this.options.workerId };
      let ticks: ClaimedSensorTick[] = [];
      let scheduleTicks: ClaimedScheduleTick[] = [];
      try {
        if (hasSensors) ticks = await this.options.client.claimSensorTicks(claim);
        if (hasScheduleFunctions) scheduleTicks = await this.options.client.claimScheduleTicks(claim);
      } catch (error) {
        this.options.logger.warn("taking sensor or schedule ticks failed; trying again at the next poll", { error: describe(error) });
      }
      await Promise.all([
        ...ticks.map((tick) => this.evaluate(tick)),
        ...scheduleTicks.map((tick) => evaluateScheduleTick(tick, this.options)),
      ]);
    }
  }

  private async evaluate(tick: ClaimedSensorTick): Promise<void> {
    const { client, definitions, location, workerId, logger, clock } = this.options;
    const sensor = definitions.sensors.find((s) => s.name === tick.sensor);
    let result: unknown;
    if (!sensor) {
      result = {
        error: {
          name: "Error",
          message: `sensor "${tick.sensor}" is not defined by this location's definitions`,
          stack: null,
          cause: null,
        },
      };
    } else {
      const timeout = new AbortController();
      // Timed here from when this worker took the tick (the server keeps its own deadline; the
      // two clocks may disagree).
      const timedOut = pause(clock, sensor.timeoutMs, timeout.signal).then(() => {
        if (!timeout.signal.aborted) timeout.abort();
        return "timeout" as const;
      });
      const evaluating = sensor
        .evaluate({ cursor: tick.cursor, lastTickAt: tick.lastTickAt ? new Date(tick.lastTickAt) : null, signal: timeout.signal })
        .then(
          (value) => ({ value }),
          (error: unknown) => ({ error }),
        );
      const outcome = await Promise.race([evaluating, timedOut]);
      if (outcome === "timeout") {
        const message = `sensor "${sensor.name}" timed out after ${sensor.timeoutMs} ms (timeoutMs)`;
        result = { error: { name: "SensorTimeoutError", message, stack: null, cause: null } };
        logger.warn(message, { sensor: sensor.name, tickId: tick.tickId });
      } else {
        timeout.abort();
        result = "error" in outcome ? { error: serializeError(outcome.error) } : outcome.value;
        if ("error" in outcome) logger.warn(`sensor "${sensor.name}" failed: ${describe(outcome.error)}`, { sensor: sensor.name });
      }
    }
    try {
      const report = await client.reportSensorTick({ location, tickId: tick.tickId, workerId, result });
      if (report.runIds.length)
        logger.info(`sensor "${tick.sensor}" launched ${report.runIds.length} run(s): ${report.runIds.join(", ")}`, {
          sensor: tick.sensor,
        });
    } catch (error) {
      logger.error(`reporting sensor "${tick.sensor}"'s tick ${tick.tickId} failed: ${describe(error)}`, { sensor: tick.sensor });
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
