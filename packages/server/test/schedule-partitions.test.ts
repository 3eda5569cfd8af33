import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AutomationService, type LocationTick } from "../src/automation/automation-service.js";
import { DAILY_JANUARY_UTC, REGISTER } from "../src/testing/manifests.js";
import { manifestWith } from "./support/manifest-with.js";
import { createTestApp, type TestApp } from "../src/testing/test-app.js";
import { testDialect } from "../src/testing/test-database.js";

const REGIONS = { kind: "static", keys: ["eu", "us"] };
const SCHEDULE = { tags: {}, description: null, timezone: "UTC", defaultStatus: "RUNNING" };

let app: TestApp;
let clock = Date.parse("2024-01-10T00:30:00Z");
let automation: AutomationService;

function withSchedules(schedules: object[]) {
  const assets = [
    { key: "daily", partitions: DAILY_JANUARY_UTC },
    { key: "daily_report", deps: ["daily"], partitions: DAILY_JANUARY_UTC },
    { key: "regional", partitions: REGIONS },
    { key: "plain" },
  ];
  return manifestWith(assets, 4, { schedules });
}

async function register(schedules: object[]) {
  const { data } = await app.gql(REGISTER, { name: "parts", ...withSchedules(schedules) });
  return data!.registerCodeLocation;
}

const fire = async () => {
  const ticks: LocationTick[] = await automation.tick();
  return ticks.find((t) => t.location === "parts")!.schedules;
};
const runs = () =>
  app.db.sql.query<{ selection: string[]; partitionKey: string | null; tags: Record<string, string> }>(
    `SELECT selection, "partitionKey", tags FROM "Run" ORDER BY "createdAt", id`,
  );

beforeAll(async () => {
  app = await createTestApp({ runs: { maxConcurrentRuns: 0 } });
  automation = new AutomationService(app.db, app.runs, { intervalMs: 30_000, scheduleMaxCatchup: 1 }, app.logger, () => clock);
});
afterAll(async () => {
  await automation.stop();
  await app.close();
});

describe(`schedules of partitioned assets (${testDialect})`, () => {
  it("refuses targets whose partition a tick could not tell, naming the schedule's field", async () => {
    const refused = async (schedule: object) => {
      const result = await register([{ ...SCHEDULE, name: "s", cron: "0 1 * * *", ...schedule }]);
      expect(result.__typename).toBe("InvalidManifestError");
      return result.problems.map((p: { path: string; message: string }) => `${p.path}: ${p.message}`);
    };
    expect(await refused({ targets: ["regional"] })).toEqual([
      "schedules.0.partitionKey: targets partitioned by static partitions need a partitionKey (only time windows have a latest partition to run)",
    ]);
    expect(await refused({ targets: ["regional"], partitionKey: "asia" })).toEqual([
      'schedules.0.partitionKey: "asia" is not one of the targets\' partitions',
    ]);
    expect(await refused({ targets: ["plain"], partitionKey: "eu" })).toEqual([
      "schedules.0.partitionKey: is set but no target is partitioned",
    ]);
    expect(await refused({ targets: ["daily", "plain"] })).toEqual([
      "schedules.0.targets: targets must share one partitions definition (or all be unpartitioned): a run materializes one partition of them",
    ]);
  });

  it("runs the latest window ended at each scheduled instant, or the partition it names", async () => {
    const result = await register([
      { ...SCHEDULE, name: "nightly", cron: "0 1 * * *", targets: ["daily", "daily_report"] },
      { ...SCHEDULE, name: "eu_morning", cron: "0 6 * * *", targets: ["regional"], partitionKey: "eu" },
    ]);
    expect(result.__typename).toBe("RegisterCodeLocationSuccess");
    const listed = await app.gql(`{ schedules(location: "parts") { name partitionKey } }`);
    expect(listed.data!.schedules).toEqual([
      { name: "eu_morning", partitionKey: "eu" },
      { name: "nightly", partitionKey: null },
    ]);
    await fire(); // first sight: both start from now, no backlog
    clock = Date.parse("2024-01-10T01:00:05Z");
    const first = await fire();
    expect(first.find((s) => s.schedule === "nightly")).toMatchObject({ kind: "launched", ticks: [{ status: "SUCCESS" }] });
    clock = Date.parse("2024-01-10T06:00:05Z");
    await fire();
    clock = Date.parse("2024-01-11T01:00:05Z");
    await fire();
    expect((await runs()).map((r) => [r.selection.join(","), r.partitionKey, r.tags["strata/scheduled_at"]])).toEqual([
      ["daily,daily_report", "2024-01-09", "2024-01-10T01:00:00.000Z"],
      ["regional", "eu", "2024-01-10T06:00:00.000Z"],
      ["daily,daily_report", "2024-01-10", "2024-01-11T01:00:00.000Z"],
    ]);
  });

  it("skips an instant no window had ended by, saying so", async () => {
    const result = await register([{ ...SCHEDULE, name: "early", cron: "0 12 * * *", targets: ["daily"] }]);
    expect(result.__typename).toBe("RegisterCodeLocationSuccess");
    // January 2024 ends the definition; before its first window ends nothing can run.
    clock = Date.parse("2023-12-31T00:00:00Z");
    await fire();
    clock = Date.parse("2023-12-31T12:00:05Z");
    const [early] = (await fire()).filter((s) => s.schedule === "early");
    expect(early).toMatchObject({ kind: "launched", ticks: [{ status: "SKIPPED" }], runs: [] });
    const { data } = await app.gql(`{ schedules(location: "parts") { name ticks(first: 1) { edges { node { status skipReason } } } } }`);
    const ticks = data!.schedules.find((s: { name: string }) => s.name === "early").ticks.edges;
    expect(ticks[0].node).toEqual({ status: "SKIPPED", skipReason: "no partition of daily had ended at 2023-12-31T12:00:00.000Z" });
  });
});
