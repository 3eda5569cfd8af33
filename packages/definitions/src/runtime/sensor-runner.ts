import type { ClaimedScheduleTick, ClaimedSensorTick } from "@strata/sdk";
import { pause } from "./backoff.js";
import { evaluateScheduleTick, type ScheduleEvaluationOptions } from "./schedule-evaluation.js";
import { describeError, evaluateTick } from "./tick-evaluation.js";

export interface SensorRunnerOptions extends ScheduleEvaluationOptions {
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
        this.options.logger.warn("taking sensor or schedule ticks failed; trying again at the next poll", { error: describeError(error) });
      }
      await Promise.all([
        ...ticks.map((tick) => this.evaluate(tick)),
        ...scheduleTicks.map((tick) => evaluateScheduleTick(tick, this.options)),
      ]);
    }
  }

  private evaluate(tick: ClaimedSensorTick): Promise<void> {
    const { client, definitions, location, workerId } = this.options;
    const sensor = definitions.sensors.find((s) => s.name === tick.sensor);
    const lastTickAt = tick.lastTickAt ? new Date(tick.lastTickAt) : null;
    return evaluateTick(
      {
        kind: "sensor",
        name: tick.sensor,
        tickId: tick.tickId,
        fn: !sensor
          ? { missing: `sensor "${tick.sensor}" is not defined by this location's definitions` }
          : {
              evaluate: (signal) => sensor.evaluate({ cursor: tick.cursor, lastTickAt, signal }),
              timeoutMs: sensor.timeoutMs,
              timeoutError: {
                name: "SensorTimeoutError",
                message: `sensor "${sensor.name}" timed out after ${sensor.timeoutMs} ms (timeoutMs)`,
              },
            },
        report: (result) => client.reportSensorTick({ location, tickId: tick.tickId, workerId, result }),
      },
      this.options,
    );
  }
}
