import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../testing/run-cli.js";
import { LOCATION_FIXTURE_TIMEOUT_MS, type LocationFixture, startLocationFixture } from "../testing/location-fixture.js";
import type { TestServer, workDirectory } from "../testing/test-server.js";

/**
 * Schedules end to end: a real server (its automation loop on the real clock), a real
 * `strata location serve` process executing the run the schedule launches at the next minute.
 */
const DEFS = `
import { join } from "node:path";
import { asset, Definitions, FilesystemIOManager, schedule } from "@strata/definitions";

export const stamp = asset({ key: "sched/stamp" }, () => 42);
export default new Definitions({
  assets: [stamp],
  schedules: [schedule({ name: "every_minute", cron: "* * * * *", timezone: "Europe/Berlin", target: [stamp] })],
  ioManagers: { io_manager: new FilesystemIOManager({ baseDir: join(import.meta.dirname, "storage") }) },
});
`;

let t: TestServer;
let work: ReturnType<typeof workDirectory>;

let fixture: LocationFixture;
beforeAll(async () => {
  fixture = await startLocationFixture("sched", DEFS);
  ({ server: t, work } = fixture);
}, LOCATION_FIXTURE_TIMEOUT_MS);
afterAll(() => fixture?.stop());

const cli = (...args: string[]) => runCli(["automation", ...args, "--server", t.url, "--token", t.admin]);

describe("schedules with a real server and a real code location", () => {
  it("launches one run at the next minute that the location executes; list shows it; stop stops it", async () => {
    const listed = await cli("list");
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^sched: conditions running/m);
    expect(listed.stdout).toMatch(
      /every_minute\s+RUNNING\s+\* \* \* \* \* \(Europe\/Berlin\)\s+sched\/stamp\s+\d{4}-\d\d-\d\dT\d\d:\d\d:00\.000Z/,
    );

    // The server's own loop ticks every 30 s; ticking here as well only makes it sooner.
    let runId: string | undefined;
    await expect
      .poll(
        async () => {
          await t.server.automation.tick({ force: true });
          runId = (await t.client.runs({ assetKey: "sched/stamp", first: 5 })).items[0]?.id;
          return runId;
        },
        { timeout: 120_000, interval: 1_000 },
      )
      .toBeDefined();
    await expect.poll(async () => (await t.client.run(runId!)).endedAt, { timeout: 120_000, interval: 200 }).not.toBeNull();
    const run = await t.client.run(runId!);
    expect(run).toMatchObject({ status: "SUCCESS", assetKeys: ["sched/stamp"], createdBy: "schedule" });
    const tags = run.tags as Record<string, string>;
    expect(tags["strata/schedule"]).toBe("every_minute");
    expect(tags["strata/scheduled_at"]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:00\.000Z$/);
    const file = join(work.dir, "storage", "sched", "stamp");
    expect(JSON.parse(readFileSync([`${file}.json`, file].find((p) => existsSync(p))!, "utf8"))).toBe(42);

    const [schedule] = await t.client.schedules({ location: "sched" });
    expect(schedule!.ticks.items[0]).toMatchObject({ status: "SUCCESS", runIds: [runId], scheduledAt: tags["strata/scheduled_at"] });

    const stopped = await cli("stop", "every_minute");
    expect(stopped.stdout.trim()).toBe('Schedule "every_minute" of code location "sched" is stopped');
    expect((await cli("list", "--location", "sched")).stdout).toMatch(/every_minute\s+STOPPED\s+/);
    const unknown = await cli("start", "nope");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No schedule or sensor "nope" in any code location');
  }, 300_000);
});
