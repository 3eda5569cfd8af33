import { type ClaimedScheduleTick, claimScheduleTicks, reportScheduleTick } from "../automation/schedule-function-tick.js";
import { listSchedules, type ScheduleView, setScheduleStatus } from "../automation/schedules.js";
import { builder } from "../builder.js";
import { AutomationTickConnection, instigatorTicks } from "./automation.js";
import { describedEnum } from "./described-enum.js";
import { instigatorFields } from "./instigator-fields.js";
import { tickReportMutation } from "./instigator-tick-report.js";

export const ScheduleStatusEnum = describedEnum("ScheduleStatus", {
  RUNNING: "Launches a run of its target at every instant of its cron.",
  STOPPED: "Launches nothing.",
});

builder.prismaObjectFields("AutomationTick", (t) => ({
  scheduleName: t.exposeString("scheduleName", { nullable: true, description: "The schedule it belongs to; null for condition ticks." }),
  scheduledAt: t.expose("scheduledAt", {
    type: "DateTime",
    nullable: true,
    description: "A schedule tick's scheduled instant: its run's strata/scheduled_at tag.",
  }),
  skipReason: t.exposeString("skipReason", { nullable: true, description: "Why a SKIPPED schedule tick launched nothing." }),
}));

const ScheduleRef = builder.objectRef<ScheduleView>("Schedule").implement({
  description: "A schedule of a code location: its definition from the location's manifest and its state on the server.",
  fields: (t) => ({
    id: t.id({ resolve: (s) => `${s.location}/${s.name}` }),
    name: t.exposeString("name"),
    location: t.exposeString("location"),
    cron: t.exposeString("cron"),
    timezone: t.exposeString("timezone", { description: "The IANA time zone its cron is read in." }),
    description: t.exposeString("description", { nullable: true }),
    targetAssetKeys: t.exposeStringList("targets", { description: "The assets each of its runs materializes." }),
    partitionKey: t.string({
      nullable: true,
      description:
        "The partition each of its runs materializes. Null: its targets are unpartitioned, or time-window partitioned and each run materializes the latest window ended at its scheduled instant.",
      resolve: (s) => s.partitionKey ?? null,
    }),
    tags: t.field({ type: "JSON", description: "Tags of every run it launches.", resolve: (s) => s.tags }),
    hasFunction: t.boolean({
      description:
        "True when a function in its code location evaluates each scheduled instant (run requests, a skip reason, or its default run); false for a schedule as data.",
      resolve: (s) => s.function !== undefined,
    }),
    timeoutMs: t.int({
      nullable: true,
      description: "How long its function may take before the tick fails; null without a function.",
      resolve: (s) => s.function?.timeoutMs ?? null,
    }),
    status: t.field({ type: ScheduleStatusEnum, resolve: (s) => s.status }),
    defaultStatus: t.field({
      type: ScheduleStatusEnum,
      description: "Its status until started or stopped here.",
      resolve: (s) => s.defaultStatus,
    }),
    lastScheduledAt: t.expose("cursor", { type: "DateTime", nullable: true, description: "The last scheduled instant it handled." }),
    nextTickAt: t.expose("nextTickAt", { type: "DateTime", nullable: true, description: "When it fires next; null while stopped." }),
    ticks: t.prismaConnection(
      instigatorTicks(
        "scheduleName",
        "Its ticks, newest first: one per scheduled instant (SUCCESS with its runs, SKIPPED for missed ones or with its function's skip reason, FAILURE; STARTED while its location evaluates its function).",
      ),
      AutomationTickConnection,
    ),
  }),
});

const ClaimedScheduleTickRef = builder.objectRef<ClaimedScheduleTick>("ClaimedScheduleTick").implement({
  description: "A schedule function's tick for this worker to evaluate: call the function with scheduledAt, then reportScheduleTick.",
  fields: (t) => ({
    tickId: t.exposeID("tickId"),
    schedule: t.exposeString("schedule"),
    scheduledAt: t.expose("scheduledAt", { type: "DateTime", description: "The scheduled instant the function evaluates." }),
    deadlineAt: t.expose("deadlineAt", { type: "DateTime", description: "The tick fails if no report has come by then." }),
  }),
});

instigatorFields({
  kind: "Schedule",
  ref: ScheduleRef,
  list: listSchedules,
  setStatus: setScheduleStatus,
  startNote: " from now: instants missed while it was stopped are not launched",
  claimedRef: ClaimedScheduleTickRef,
  claimDescription:
    "Takes the location's schedule-function ticks no worker has taken (each goes to exactly one worker). Requires `location:<name>`.",
  claim: claimScheduleTicks,
});

tickReportMutation({
  kind: "Schedule",
  description:
    "A worker's answer to a schedule function's tick: its run requests (a run key launches at most once per schedule; a request with every field null is the schedule's default run) and skip reason, or the error the function threw. Requires `location:<name>`.",
  resultDescription: "{ runRequests: [{ runKey, assetKeys, tags, partitionKey }], skipReason, error }",
  report: reportScheduleTick,
});
