import type { ObjectRef, SchemaTypes } from "@pothos/core";
import type { ScheduleStatus } from "@strata/protocol";
import { requireScope } from "../auth/principal.js";
import type { ClaimedScheduleTick } from "../automation/schedule-function-tick.js";
import type { ScheduleView } from "../automation/schedules.js";
import type { ClaimedSensorTick } from "../automation/sensor-tick.js";
import type { SensorView } from "../automation/sensors.js";
import { builder } from "../builder.js";
import { parseLocationName, requireLocationScope } from "../catalog/location-name.js";
import type { Context } from "../context.js";
import { NotFoundError } from "../errors.js";

type Sql = Context["db"]["sql"];
type Manifests = Context["runs"]["manifests"];
type Types = typeof builder extends PothosSchemaBuilder<infer T> ? T : never;
type PothosSchemaBuilder<T extends SchemaTypes> = PothosSchemaTypes.SchemaBuilder<T>;
type View = ScheduleView | SensorView;
type Claimed = ClaimedScheduleTick | ClaimedSensorTick;

/**
 * What schedules and sensors have alike in the API, each under its own names: the query listing
 * them, `start<Kind>`/`stop<Kind>`, and `claim<Kind>Ticks` for a location's workers.
 */
export function instigatorFields(options: {
  kind: "Schedule" | "Sensor";
  ref: ObjectRef<Types, View>;
  list: (sql: Sql, manifests: Manifests, location: string | null) => Promise<View[]>;
  setStatus: (sql: Sql, manifests: Manifests, location: string, name: string, status: ScheduleStatus) => Promise<View>;
  /** Added to startSchedule's description after "Starts a code location's schedule". */
  startNote?: string;
  claimedRef: ObjectRef<Types, Claimed>;
  claimDescription: string;
  claim: (sql: Sql, location: string, workerId: string) => Promise<Claimed[]>;
}): void {
  const noun = options.kind.toLowerCase();
  builder.queryField(`${noun}s`, (t) =>
    t.field({
      type: [options.ref],
      description: `${options.kind}s of every code location, or of one, sorted by location and name.`,
      args: { location: t.arg.string({ required: false }) },
      resolve: (_root, args, ctx) => {
        requireScope(ctx.principal, "read");
        return options.list(ctx.db.sql, ctx.runs.manifests, args.location == null ? null : parseLocationName(args.location));
      },
    }),
  );
  for (const [verb, status] of [
    ["Start", "RUNNING"],
    ["Stop", "STOPPED"],
  ] as const) {
    builder.mutationField(`${verb.toLowerCase()}${options.kind}`, (t) =>
      t.field({
        type: options.ref,
        errors: { types: [NotFoundError] },
        description: `${verb}s a code location's ${noun}${status === "RUNNING" ? (options.startNote ?? "") : ""}. Requires \`launch\`.`,
        args: { location: t.arg.string({ required: true }), name: t.arg.string({ required: true }) },
        resolve: (_root, args, ctx) => {
          requireScope(ctx.principal, "launch");
          return options.setStatus(ctx.db.sql, ctx.runs.manifests, parseLocationName(args.location), args.name, status);
        },
      }),
    );
  }
  builder.mutationField(`claim${options.kind}Ticks`, (t) =>
    t.field({
      type: [options.claimedRef],
      description: options.claimDescription,
      args: { location: t.arg.string({ required: true }), workerId: t.arg.string({ required: true }) },
      resolve: (_root, args, ctx) => {
        const location = requireLocationScope(ctx.principal, args.location, "location");
        return options.claim(ctx.db.sql, location, args.workerId);
      },
    }),
  );
}
