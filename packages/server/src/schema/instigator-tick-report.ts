import type { TickReportInput, TickReportOutcome } from "../automation/worker-tick.js";
import { builder } from "../builder.js";
import { requireLocationScope } from "../catalog/location-name.js";
import type { Context } from "../context.js";
import { InvalidArgumentError, NotFoundError } from "../errors.js";

type ReportTick = (
  sql: Context["db"]["sql"],
  manifests: Context["runs"]["manifests"],
  input: TickReportInput,
) => Promise<TickReportOutcome>;

/** The answer to a worker's tick report: schedules' and sensors' have the same fields under their own type names. */
function tickReportRef(name: "ScheduleTickReport" | "SensorTickReport") {
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

/**
 * `reportScheduleTick` / `reportSensorTick` and its result type `<Kind>TickReport`: a worker's
 * answer to a tick it claimed, checked against the location's scope.
 */
export function tickReportMutation(options: {
  kind: "Schedule" | "Sensor";
  description: string;
  resultDescription: string;
  report: ReportTick;
}): void {
  const type = tickReportRef(`${options.kind}TickReport`);
  const kind = options.kind === "Schedule" ? "schedule" : "sensor";
  builder.mutationField(`report${options.kind}Tick`, (t) =>
    t.field({
      type,
      errors: { types: [NotFoundError, InvalidArgumentError] },
      description: options.description,
      args: {
        location: t.arg.string({ required: true }),
        tickId: t.arg.id({ required: true }),
        workerId: t.arg.string({ required: true }),
        result: t.arg({ type: "JSON", required: true, description: options.resultDescription }),
      },
      resolve: async (_root, args, ctx) => {
        const location = requireLocationScope(ctx.principal, args.location, "location");
        const outcome = await options.report(ctx.db.sql, ctx.runs.manifests, {
          location,
          tickId: String(args.tickId),
          workerId: args.workerId,
          result: args.result,
        });
        announceTickReport(ctx, location, kind, outcome);
        return outcome;
      },
    }),
  );
}

/** What follows an accepted report, for a schedule's tick as for a sensor's: its runs announced, the tick counted and published. */
export function announceTickReport(ctx: Context, location: string, kind: "schedule" | "sensor", outcome: TickReportOutcome): void {
  for (const run of outcome.runs) ctx.runs.announce(run);
  if (outcome.accepted) {
    ctx.runs.metrics.automationTicked(location, kind, outcome.status);
    ctx.pubsub.publish("tickCompleted", { tickId: outcome.tickId, location });
  }
}
