import type { ScheduleReportOutcome } from "../automation/schedule-function-tick.js";
import type { SensorReportOutcome } from "../automation/sensor-tick.js";
import { builder } from "../builder.js";
import type { Context } from "../context.js";

type TickReportOutcome = ScheduleReportOutcome | SensorReportOutcome;

/** The answer to a worker's tick report: schedules' and sensors' have the same fields under their own type names. */
export function tickReportRef(name: "ScheduleTickReport" | "SensorTickReport") {
  return builder.objectRef<TickReportOutcome>(name).implement({
    fields: (t) => ({
      tickId: t.exposeID("tickId"),
      status: t.exposeString("status", { description: "SUCCESS, SKIPPED or FAILURE." }),
      accepted: t.exposeBoolean("accepted", { description: "False when the tick had already ended (timed out): nothing was launched." }),
      runIds: t.stringList({ resolve: (r) => r.runs.map((run) => run.id) }),
      repeatedRunKeys: t.exposeStringList("repeatedRunKeys", { description: "Run keys launched before: nothing launched for them." }),
    }),
  });
}

/** What follows an accepted report, for a schedule's tick as for a sensor's: its runs announced, the tick counted and published. */
export function announceTickReport(ctx: Context, location: string, kind: "schedule" | "sensor", outcome: TickReportOutcome): void {
  for (const run of outcome.runs) ctx.runs.announce(run);
  if (outcome.accepted) {
    ctx.runs.metrics.automationTicked(location, kind, outcome.status);
    ctx.pubsub.publish("tickCompleted", { tickId: outcome.tickId, location });
  }
}
