import { describe, expect, it } from "vitest";
import type { LocationTick } from "../src/automation/automation-service.js";
import { DAILY_JANUARY_UTC } from "../src/testing/manifests.js";
import { manifestWith } from "./support/manifest-with.js";
import { createAutomationTestApp } from "../src/testing/automation-app.js";
import { suiteFixture } from "./support/suite-fixture.js";
import { tickWorker } from "./support/tick-worker.js";
import { testDialect } from "../src/testing/test-database.js";

// Schedule functions through the server's loop (injected clock) and the worker's GraphQL calls,
// played here as a location's worker would: claim the tick, call the function with the tick's
// scheduled instant, report what it returned (the real location's side is in the CLI's
// schedules e2e test).
const MINUTE = 60_000;
const TIMEOUT = 10 * MINUTE;
let clock = Date.parse("2025-03-08T12:00:00Z");
const env = suiteFixture(() => {
  const schedule = { tags: { team: "sales" }, description: null, defaultStatus: "RUNNING" };
  const registration = manifestWith([{ key: "x" }, { key: "y" }], 6, {
    schedules: [
      // 02:30 does not exist in New York on 2025-03-09 (clocks jump 02:00 -> 03:00).
      { ...schedule, name: "dst", cron: "30 2 * * *", timezone: "America/New_York", targets: ["x"], function: { timeoutMs: TIMEOUT } },
      // A schedule as data beside it, unchanged.
      { ...schedule, name: "plain", cron: "0 9 * * *", timezone: "UTC", targets: ["y"] },
    ],
  });
  return createAutomationTestApp("fn", registration, () => clock);
});

const schedulesOf = (ticks: LocationTick[]) => ticks.find((t) => t.location === "fn")!.schedules;
/** One pass of the loop at `at`: the outcome of schedule `dst`. */
async function passAt(at: string) {
  clock = Date.parse(at);
  const outcome = schedulesOf(await env.automation.tick()).find((o) => o.schedule === "dst")!;
  if (outcome.kind === "failed") throw new Error(outcome.error);
  return outcome;
}
const { claim, report, tickRow } = tickWorker<{ tickId: string; schedule: string; scheduledAt: string }>(
  env,
  "Schedule",
  "fn",
  "tickId schedule scheduledAt deadlineAt",
);

/** The schedule's function, as a location would run it: what it saw, what it answers by day. */
const seen: string[] = [];
function evaluate(context: { scheduledTime: Date }): unknown {
  seen.push(context.scheduledTime.toISOString());
  const day = context.scheduledTime.toISOString().slice(0, 10);
  if (day === "2025-03-10") return { skipReason: "no trading on Mondays" };
  if (day === "2025-03-11") return { runRequests: [{ runKey: "2025-03-09" }] };
  if (day === "2025-03-12") return { error: { name: "TypeError", message: "cannot read the calendar", stack: null, cause: null } };
  if (day === "2025-03-14") return { runRequests: [{}] };
  return { runRequests: [{ runKey: day, tags: { day } }] };
}
/** Claims the one waiting tick, evaluates it and reports. */
async function evaluateWaiting() {
  const ticks = await claim();
  expect(ticks).toHaveLength(1);
  return { tick: ticks[0]!, report: await report(ticks[0]!.tickId, evaluate({ scheduledTime: new Date(ticks[0]!.scheduledAt) })) };
}
const scheduleRuns = (name: string) =>
  env.app.db.sql.query<{ id: string; tags: Record<string, string>; selection: string[] }>(
    `SELECT id, tags, selection FROM "Run" WHERE "createdBy" = 'schedule' AND tags->>'strata/schedule' = $1 ORDER BY "createdAt", id`,
    [name],
  );

describe(`schedule functions (${testDialect})`, () => {
  it("evaluates 02:30 America/New_York on 2025-03-09 once, at 03:00, in the location; its runs carry the schedule's tags", async () => {
    expect(await passAt("2025-03-08T12:00:00Z")).toMatchObject({ kind: "started" });
    expect(await passAt("2025-03-09T06:59:00Z")).toMatchObject({ kind: "idle" }); // 01:59 EST
    // 03:05 EDT: the nonexistent 02:30 fires at the end of the gap, 03:00 EDT = 07:00Z, as a data schedule would.
    const due = await passAt("2025-03-09T07:05:00Z");
    expect(due).toMatchObject({
      kind: "launched",
      runs: [],
      ticks: [{ status: "STARTED", scheduledAt: new Date("2025-03-09T07:00:00Z") }],
    });
    // Handed out once: no second tick for the instant, and one worker takes it.
    expect(await passAt("2025-03-09T07:10:00Z")).toMatchObject({ kind: "idle", timedOut: [] });
    const { tick, report: answered } = await evaluateWaiting();
    expect(tick).toMatchObject({ schedule: "dst", scheduledAt: "2025-03-09T07:00:00.000Z" });
    expect(seen).toEqual(["2025-03-09T07:00:00.000Z"]);
    expect(await claim()).toEqual([]);
    expect(answered).toMatchObject({ __typename: "ScheduleTickReport", status: "SUCCESS", accepted: true, repeatedRunKeys: [] });
    const [run] = await scheduleRuns("dst");
    expect(answered.runIds).toEqual([run!.id]);
    expect(run).toMatchObject({
      selection: ["x"],
      tags: {
        team: "sales",
        day: "2025-03-09",
        "strata/schedule": "dst",
        "strata/scheduled_at": "2025-03-09T07:00:00.000Z",
        "strata/run_key": "2025-03-09",
      },
    });
    expect(await tickRow(tick.tickId)).toMatchObject({ status: "SUCCESS", runIds: [run!.id], runKeys: ["2025-03-09"] });
    // The rest of the day evaluates nothing more.
    expect(await passAt("2025-03-09T23:00:00Z")).toMatchObject({ kind: "idle" });
    expect(seen).toHaveLength(1);
  });

  it("a skip reason gives a SKIPPED tick with it; a repeated run key launches nothing", async () => {
    await passAt("2025-03-10T06:31:00Z"); // 02:30 EDT = 06:30Z
    const skipped = await evaluateWaiting();
    expect(skipped.report).toMatchObject({ status: "SKIPPED", runIds: [] });
    expect(await tickRow(skipped.tick.tickId)).toMatchObject({ status: "SKIPPED", skipReason: "no trading on Mondays" });

    await passAt("2025-03-11T06:31:00Z");
    const repeated = await evaluateWaiting();
    expect(repeated.report).toMatchObject({ status: "SKIPPED", runIds: [], repeatedRunKeys: ["2025-03-09"] });
    expect(await tickRow(repeated.tick.tickId)).toMatchObject({
      status: "SKIPPED",
      skipReason: "every run key was launched before: 2025-03-09",
    });
    expect(await scheduleRuns("dst")).toHaveLength(1);
  });

  it("a throwing function fails its tick naming the error, a timeout fails its tick naming it, and the next day fires", async () => {
    await passAt("2025-03-12T06:31:00Z");
    const thrown = await evaluateWaiting();
    expect(thrown.report).toMatchObject({ status: "FAILURE", runIds: [] });
    expect((await tickRow(thrown.tick.tickId)).error).toMatchObject({ name: "TypeError", message: "cannot read the calendar" });

    // Nobody answers 2025-03-13: the tick fails after the function's timeoutMs, and a late answer changes nothing.
    const unanswered = await passAt("2025-03-13T06:31:00Z");
    const tickId = unanswered.ticks[0]!.tickId;
    expect(await passAt(new Date(clock + TIMEOUT - 1_000).toISOString())).toMatchObject({ timedOut: [] });
    expect(await passAt(new Date(clock + 2_000).toISOString())).toMatchObject({ timedOut: [{ tickId }] });
    const failed = await tickRow(tickId);
    expect(failed.status).toBe("FAILURE");
    expect(failed.error!.message).toBe(
      `schedule "dst" timed out after ${TIMEOUT} ms (timeoutMs) evaluating 2025-03-13T06:30:00.000Z: no worker of code location "fn" took its tick`,
    );
    const [late] = await claim();
    expect(late).toBeUndefined();
    expect(await report(tickId, { runRequests: [{}] })).toMatchObject({ accepted: false, status: "FAILURE", runIds: [] });

    // The next day fires; nothing returned is the schedule's default run of its target.
    const next = await passAt("2025-03-14T06:31:00Z");
    expect(next.ticks).toMatchObject([{ status: "STARTED", scheduledAt: new Date("2025-03-14T06:30:00Z") }]);
    expect((await evaluateWaiting()).report).toMatchObject({ status: "SUCCESS" });
    const runs = await scheduleRuns("dst");
    expect(runs).toHaveLength(2);
    expect(runs[1]!.tags).toEqual({ team: "sales", "strata/schedule": "dst", "strata/scheduled_at": "2025-03-14T06:30:00.000Z" });
  });

  it("a schedule as data beside it launches as before; the API says which one a function evaluates", async () => {
    expect((await scheduleRuns("plain")).map((r) => r.tags["strata/scheduled_at"])).toEqual([
      "2025-03-09T09:00:00.000Z",
      "2025-03-10T09:00:00.000Z",
      "2025-03-11T09:00:00.000Z",
      "2025-03-12T09:00:00.000Z",
      "2025-03-13T09:00:00.000Z",
    ]);
    const listed = await env.app.gql(
      `query { schedules(location: "fn") { name hasFunction timeoutMs ticks(first: 2) { edges { node { status skipReason scheduledAt } } } } }`,
    );
    const [dst, plain] = listed.data!.schedules as Array<{ name: string; hasFunction: boolean; timeoutMs: number | null }>;
    expect(dst).toMatchObject({ name: "dst", hasFunction: true, timeoutMs: TIMEOUT });
    expect(plain).toMatchObject({ name: "plain", hasFunction: false, timeoutMs: null });
  });
});

describe(`schedule functions over a time-partitioned target (${testDialect})`, () => {
  let at = Date.parse("2025-03-19T00:00:00Z");
  const dailyEnv = suiteFixture(async () => {
    const daily = { ...DAILY_JANUARY_UTC, start: "2025-03-20T00:00:00", end: null };
    const registration = manifestWith([{ key: "p", partitions: daily }], 6, {
      schedules: [
        {
          name: "noon",
          cron: "0 12 * * *",
          timezone: "UTC",
          targets: ["p"],
          tags: {},
          description: null,
          defaultStatus: "RUNNING",
          function: { timeoutMs: TIMEOUT },
        },
      ],
    });
    const created = await createAutomationTestApp("daily", registration, () => at);
    await created.automation.tick(); // the schedule starts from here
    return created;
  });

  /** At `iso`, one pass of the loop; then the waiting tick answered with the target's default request under run key "k". */
  async function answerAt(iso: string) {
    at = Date.parse(iso);
    await dailyEnv.automation.tick();
    const claimed = (
      await dailyEnv.app.gql(`mutation { claimScheduleTicks(location: "daily", workerId: "w1") { tickId } }`, {}, dailyEnv.worker)
    ).data!.claimScheduleTicks as Array<{ tickId: string }>;
    expect(claimed).toHaveLength(1);
    const answer = await dailyEnv.app.gql(
      `mutation($tickId: ID!, $result: JSON!) { reportScheduleTick(location: "daily", tickId: $tickId, workerId: "w1", result: $result) {
        __typename ... on ScheduleTickReport { status runIds } ... on Error { message } } }`,
      { tickId: claimed[0]!.tickId, result: { runRequests: [{ runKey: "k" }] } },
    );
    const [row] = await dailyEnv.app.db.sql.query<{ skipReason: string | null }>(
      `SELECT "skipReason" FROM "AutomationTick" WHERE id = $1::bigint`,
      [claimed[0]!.tickId],
    );
    return { ...answer.data!.reportScheduleTick, skipReason: row!.skipReason };
  }

  it("a default request before the target's first window has ended skips the tick as a data schedule would, without spending its run key", async () => {
    expect(await answerAt("2025-03-19T12:00:10Z")).toMatchObject({
      status: "SKIPPED",
      runIds: [],
      skipReason: "no partition of p had ended at 2025-03-19T12:00:00.000Z",
    });
    expect(await answerAt("2025-03-20T12:00:10Z")).toMatchObject({
      status: "SKIPPED",
      skipReason: "no partition of p had ended at 2025-03-20T12:00:00.000Z",
    });
    // The first window (2025-03-20) has ended: the same request, run key "k" included, launches it.
    const launched = await answerAt("2025-03-21T12:00:10Z");
    expect(launched).toMatchObject({ status: "SUCCESS", skipReason: null });
    const runs = await dailyEnv.app.db.sql.query<{ partitionKey: string }>(`SELECT "partitionKey" FROM "Run" WHERE id = ANY($1::text[])`, [
      launched.runIds,
    ]);
    expect(runs).toEqual([{ partitionKey: "2025-03-20" }]);
  });
});
