import { requireScope } from "../auth/principal.js";
import { claimSensorTicks, type ClaimedSensorTick, reportSensorTick } from "../automation/sensor-tick.js";
import { listSensors, type SensorView, setSensorCursor, setSensorStatus } from "../automation/sensors.js";
import { builder } from "../builder.js";
import { AutomationTickConnection, instigatorTicks } from "./automation.js";
import { parseLocationName } from "../catalog/location-name.js";
import { InvalidArgumentError, NotFoundError } from "../errors.js";
import { instigatorFields } from "./instigator-fields.js";
import { tickReportMutation } from "./instigator-tick-report.js";
import { ScheduleStatusEnum } from "./schedule.js";

builder.prismaObjectFields("AutomationTick", (t) => ({
  sensorName: t.exposeString("sensorName", { nullable: true, description: "The sensor it belongs to; null for other ticks." }),
  runKeys: t.exposeStringList("runKeys", {
    description: "A sensor tick's run keys: those it launched, then those it repeated (nothing launched for them).",
  }),
}));

const SensorRef = builder.objectRef<SensorView>("Sensor").implement({
  description:
    "A sensor of a code location: a function the location evaluates at each of its ticks, asking for runs. Its definition comes from the manifest, its state from the server.",
  fields: (t) => ({
    id: t.id({ resolve: (s) => `${s.location}/${s.name}` }),
    name: t.exposeString("name"),
    location: t.exposeString("location"),
    description: t.exposeString("description", { nullable: true }),
    minimumIntervalMs: t.exposeInt("minimumIntervalMs", { description: "At least this long between two ticks." }),
    timeoutMs: t.exposeInt("timeoutMs", { description: "A tick whose evaluation has not come back within this long fails." }),
    targetAssetKeys: t.exposeStringList("targets", { description: "What a run request without asset keys materializes." }),
    status: t.field({ type: ScheduleStatusEnum, resolve: (s) => s.status }),
    defaultStatus: t.field({
      type: ScheduleStatusEnum,
      description: "Its status until started or stopped here.",
      resolve: (s) => s.defaultStatus,
    }),
    cursor: t.exposeString("cursor", { nullable: true, description: "What its next tick gets as `ctx.cursor`." }),
    lastTickAt: t.expose("lastTickAt", { type: "DateTime", nullable: true, description: "When its last evaluated tick started." }),
    nextTickAt: t.expose("nextTickAt", {
      type: "DateTime",
      nullable: true,
      description: "Not before this; null while stopped or before its first tick.",
    }),
    ticks: t.prismaConnection(
      instigatorTicks("sensorName", "Its ticks, newest first (STARTED while the location evaluates one)."),
      AutomationTickConnection,
    ),
  }),
});

builder.mutationField("setSensorCursor", (t) =>
  t.field({
    type: SensorRef,
    errors: { types: [NotFoundError, InvalidArgumentError] },
    description: "Sets a sensor's cursor (null clears it): its next tick gets it as `ctx.cursor`. Requires `launch`.",
    args: {
      location: t.arg.string({ required: true }),
      name: t.arg.string({ required: true }),
      cursor: t.arg.string({ required: false }),
    },
    resolve: (_root, args, ctx) => {
      requireScope(ctx.principal, "launch");
      return setSensorCursor(ctx.db.sql, ctx.runs.manifests, parseLocationName(args.location), args.name, args.cursor ?? null);
    },
  }),
);

const ClaimedSensorTickRef = builder.objectRef<ClaimedSensorTick>("ClaimedSensorTick").implement({
  description: "A sensor tick for this worker to evaluate: call the sensor's function, then reportSensorTick.",
  fields: (t) => ({
    tickId: t.exposeID("tickId"),
    sensor: t.exposeString("sensor"),
    cursor: t.exposeString("cursor", { nullable: true }),
    lastTickAt: t.expose("lastTickAt", { type: "DateTime", nullable: true }),
    deadlineAt: t.expose("deadlineAt", { type: "DateTime", description: "The tick fails if no report has come by then." }),
  }),
});

instigatorFields({
  kind: "Sensor",
  ref: SensorRef,
  list: listSensors,
  setStatus: setSensorStatus,
  claimedRef: ClaimedSensorTickRef,
  claimDescription: "Takes the location's sensor ticks no worker has taken (each goes to exactly one worker). Requires `location:<name>`.",
  claim: claimSensorTicks,
});

tickReportMutation({
  kind: "Sensor",
  description:
    "A worker's answer to a sensor tick: its run requests (a run key launches at most once per sensor), skip reason and cursor, or the error its function threw. Requires `location:<name>`.",
  resultDescription: "{ runRequests: [{ runKey, assetKeys, tags, partitionKey }], skipReason, cursor, error }",
  report: reportSensorTick,
});
