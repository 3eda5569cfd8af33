import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AutomationService, type LocationTick } from "../src/automation/automation-service.js";
import { REGISTER } from "../src/testing/manifests.js";
import { manifestWith } from "./support/manifest-with.js";
import { createTestApp, type TestApp } from "../src/testing/test-app.js";
import { testDialect } from "../src/testing/test-database.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
let app: TestApp;
let clock = Date.parse("2026-01-05T08:00:00Z");
const services: AutomationService[] = [];
const service = (scheduleMaxCatchup = 1) => {
  const s = new AutomationService(app.db, app.runs, { intervalMs: 30_000, scheduleMaxCatchup }, app.logger, () => clock);
  services.push(s);
  return s;
};
let automation: AutomationService;

beforeAll(async () => {
  app = await createTestApp({ runs: { maxConcurrentRuns: 0 } });
  const schedule = { tags: { team: "sales" }, description: null, timezone: "UTC", defaultStatus: "RUNNING" };
  const registration = manifestWith([{ key: "a" }, { key: "b" }], 4, {
    schedules: [
      { ...schedule, name: "morning", cron: "0 9 * * *", targets: ["a"] },
      { ...schedule, name: "off", cron: "0 * * * *", targets: ["b"], defaultStatus: "STOPPED" },
    ],
  });
  const registered = await app.gql(REGISTER, { name: "sched", ...registration }, await app.token("location:sched"));
  expect(registered.data!.registerCodeLocation.__typename).toBe("RegisterCodeLocationSuccess");
  automation = service();
});
afterAll(async () => {
  for (const s of services) await s.stop();
  await app.close();
});

const schedulesOf = (ticks: LocationTick[]) => ticks.find((t) => t.location === "sched")!.schedules;
const morning = async (s = automation) => {
  const outcome = schedulesOf(await s.tick()).find((x) => x.schedule === "morning")!;
  if (outcome.kind === "failed") throw new Error(outcome.error);
  return outcome;
};
const runs = () =>
  app.db.sql.query<{ id: string; tags: Record<string, string>; createdBy: string; selection: string[] }>(
    `SELECT id, tags, "createdBy", selection FROM "Run" ORDER BY "createdAt", id`,
  );
const SCHEDULES = `query { schedules(location: "sched") { name status nextTickAt lastScheduledAt targetAssetKeys
  ticks(first: 3) { edges { node { status scheduledAt skipReason runIds } } } } }`;
const SET = (field: string) => `mutation($name: String!) { ${field}(location: "sched", name: $name) {
  ... on Schedule { name status nextTickAt } ... on Error { message } } }`;

describe(`schedules (${testDialect})`, () => {
  it("starts from the first tick that sees it (no backlog) and launches one run per scheduled instant, tagged with it", async () => {
    expect(await morning()).toMatchObject({ kind: "started", runs: [] });
    clock = Date.parse("2026-01-05T08:59:00Z");
    expect(await morning()).toMatchObject({ kind: "idle" });
    clock = Date.parse("2026-01-05T09:00:20Z");
    const fired = await morning();
    expect(fired).toMatchObject({ kind: "launched", ticks: [{ status: "SUCCESS", scheduledAt: new Date("2026-01-05T09:00:00Z") }] });
    clock += 30_000;
    expect(await morning()).toMatchObject({ kind: "idle" });
    const all = await runs();
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({
      createdBy: "schedule",
      selection: ["a"],
      tags: { team: "sales", "strata/schedule": "morning", "strata/scheduled_at": "2026-01-05T09:00:00.000Z" },
    });
    // The STOPPED-by-default schedule launched nothing.
    expect(schedulesOf(await automation.tick()).find((x) => x.schedule === "off")).toMatchObject({ kind: "stopped" });

    const { data } = await app.gql(SCHEDULES, {});
    expect(data!.schedules).toEqual([
      {
        name: "morning",
        status: "RUNNING",
        nextTickAt: expect.any(String),
        lastScheduledAt: "2026-01-05T09:00:00.000Z",
        targetAssetKeys: ["a"],
        ticks: {
          edges: [{ node: { status: "SUCCESS", scheduledAt: "2026-01-05T09:00:00.000Z", skipReason: null, runIds: [all[0]!.id] } }],
        },
      },
      { name: "off", status: "STOPPED", nextTickAt: null, lastScheduledAt: null, targetAssetKeys: ["b"], ticks: { edges: [] } },
    ]);
  });

  it("launches an instant exactly once when two replicas tick at the same time", async () => {
    const replica = service();
    clock = Date.parse("2026-01-06T09:00:05Z");
    const [one, two] = await Promise.all([morning(), morning(replica)]);
    expect([one.kind, two.kind].sort()).toEqual(["idle", "launched"]);
    const launched = (await runs()).filter((r) => r.tags["strata/scheduled_at"] === "2026-01-06T09:00:00.000Z");
    expect(launched).toHaveLength(1);
  });

  it("after downtime launches only the newest missed instants (the catch-up bound) and says which were skipped", async () => {
    clock = Date.parse("2026-01-11T10:00:00Z"); // 5 instants missed: Jan 7..11
    const fired = await morning();
    expect(fired.ticks.map((t) => t.status)).toEqual(["SKIPPED", "SUCCESS"]);
    expect(fired.runs).toHaveLength(1);
    const after = await app.gql(SCHEDULES, {});
    const [newest, skipped] = after.data!.schedules[0].ticks.edges.map((e: { node: unknown }) => e.node);
    expect(newest).toMatchObject({ status: "SUCCESS", scheduledAt: "2026-01-11T09:00:00.000Z" });
    expect(skipped.skipReason).toBe(
      "missed while the server was down: 2026-01-07T09:00:00.000Z to 2026-01-10T09:00:00.000Z (at most 1 missed instant is launched, STRATA_SCHEDULE_MAX_CATCHUP)",
    );

    clock += 3 * DAY; // Jan 12, 13, 14 with a bound of 5: all three
    const wider = await morning(service(5));
    expect(wider.ticks.map((t) => [t.status, t.scheduledAt.toISOString()])).toEqual([
      ["SUCCESS", "2026-01-12T09:00:00.000Z"],
      ["SUCCESS", "2026-01-13T09:00:00.000Z"],
      ["SUCCESS", "2026-01-14T09:00:00.000Z"],
    ]);
  });

  it("stopSchedule stops it; startSchedule starts it from now, without the instants missed meanwhile", async () => {
    const admin = await app.token("admin");
    const stopped = await app.gql(SET("stopSchedule"), { name: "morning" }, admin);
    expect(stopped.data!.stopSchedule).toEqual({ name: "morning", status: "STOPPED", nextTickAt: null });
    const before = (await runs()).length;
    clock += 2 * DAY;
    expect(await morning()).toMatchObject({ kind: "stopped" });
    const started = await app.gql(SET("startSchedule"), { name: "morning" }, admin);
    expect(started.data!.startSchedule).toMatchObject({ name: "morning", status: "RUNNING" });
    expect(await morning()).toMatchObject({ kind: "started" });
    expect(await runs()).toHaveLength(before);
    clock += DAY;
    expect(await morning()).toMatchObject({ kind: "launched", runs: [expect.anything()] });

    const unknown = await app.gql(SET("startSchedule"), { name: "nope" }, admin);
    expect(unknown.data!.startSchedule.message).toBe('No schedule "sched/nope"');
    const reader = await app.token("read");
    const denied = await app.gql(SET("stopSchedule"), { name: "morning" }, reader);
    expect(denied.errors?.[0]?.message ?? denied.data?.stopSchedule?.message).toMatch(/launch/);
  });
});
