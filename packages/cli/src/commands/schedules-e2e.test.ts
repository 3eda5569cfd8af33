import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../testing/run-cli.js";
import { useLocationFixture } from "../testing/location-fixture.js";

/**
 * Schedules end to end: a real server (its automation loop on the real clock), a real
 * `strata location serve` process executing the run the schedule launches at the next minute,
 * and evaluating three schedule functions at that minute (one answers a run request, one throws,
 * one outlives its timeout).
 */
const DEFS = `
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { asset, Definitions, FilesystemIOManager, schedule } from "@strata/definitions";

export const stamp = asset({ key: "sched/stamp" }, () => 42);
export const picked = asset({ key: "sched/picked" }, () => 7);
const minute = schedule({ name: "minute_fn", cron: "* * * * *", target: [picked] }, ({ scheduledTime }) => ({
  runKey: scheduledTime.toISOString(),
  tags: { seen: scheduledTime.toISOString(), pid: String(process.pid) },
}));
const broken = schedule({ name: "broken_fn", cron: "* * * * *", target: [picked] }, () => {
  throw new TypeError("no calendar for " + process.pid);
});
const slow = schedule({ name: "slow_fn", cron: "* * * * *", target: [picked], timeoutMs: 300 }, async ({ scheduledTime, signal }) => {
  signal.addEventListener("abort", () => writeFileSync(join(import.meta.dirname, "aborted"), scheduledTime.toISOString()));
  await new Promise((resolve) => setTimeout(resolve, 5_000));
  return { skipReason: "too late to count" };
});
export default new Definitions({
  assets: [stamp, picked],
  schedules: [schedule({ name: "every_minute", cron: "* * * * *", timezone: "Europe/Berlin", target: [stamp] }), minute, broken, slow],
  ioManagers: { io_manager: new FilesystemIOManager({ baseDir: join(import.meta.dirname, "storage") }) },
});
`;

const { server: t, work } = useLocationFixture("sched", DEFS);

const cli = (...args: string[]) => runCli(["automation", ...args, "--server", t.url, "--token", t.admin]);

describe("schedules with a real server and a real code location", () => {
  it("launches one run at the next minute that the location executes; list shows it; stop stops it", async () => {
    const listed = await cli("list");
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^sched: conditions running/m);
    expect(listed.stdout).toMatch(
      /every_minute\s+RUNNING\s+\* \* \* \* \* \(Europe\/Berlin\)\s+data\s+sched\/stamp\s+\d{4}-\d\d-\d\dT\d\d:\d\d:00\.000Z/,
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

    const schedule = (await t.client.schedules({ location: "sched" })).find((s) => s.name === "every_minute");
    expect(schedule!.ticks.items[0]).toMatchObject({ status: "SUCCESS", runIds: [runId], scheduledAt: tags["strata/scheduled_at"] });

    const stopped = await cli("stop", "every_minute");
    expect(stopped.stdout.trim()).toBe('Schedule "every_minute" of code location "sched" is stopped');
    expect((await cli("list", "--location", "sched")).stdout).toMatch(/every_minute\s+STOPPED\s+/);
    const unknown = await cli("start", "nope");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No schedule or sensor "nope" in any code location');
  }, 300_000);

  it("evaluates schedule functions in the location at the scheduled minute: a run request launches, a throw or a timeout fails the tick", async () => {
    expect((await cli("list", "--location", "sched")).stdout).toMatch(
      /minute_fn\s+RUNNING\s+\* \* \* \* \* \(UTC\)\s+function\s+sched\/picked/,
    );
    const ticksOf = async (name: string) =>
      (await t.client.schedules({ location: "sched", ticks: 10 })).find((s) => s.name === name)!.ticks.items;
    let runId: string | undefined;
    await expect
      .poll(
        async () => {
          await t.server.automation.tick({ force: true });
          runId = (await t.client.runs({ assetKey: "sched/picked", first: 5 })).items.at(-1)?.id;
          return runId;
        },
        { timeout: 120_000, interval: 1_000 },
      )
      .toBeDefined();
    const run = await t.client.run(runId!);
    const tags = run.tags as Record<string, string>;
    // The function ran in the location's process, with the instant the server scheduled.
    expect(tags["strata/schedule"]).toBe("minute_fn");
    expect(tags.seen).toBe(tags["strata/scheduled_at"]);
    expect(tags["strata/run_key"]).toBe(tags["strata/scheduled_at"]);
    expect(tags.pid).not.toBe(String(process.pid));
    expect(run.createdBy).toBe("schedule");
    await expect.poll(async () => (await t.client.run(runId!)).status, { timeout: 120_000, interval: 200 }).toBe("SUCCESS");
    const minuteTick = (await ticksOf("minute_fn")).find((tick) => tick.runIds.includes(runId!));
    expect(minuteTick).toMatchObject({ status: "SUCCESS", scheduledAt: tags["strata/scheduled_at"], runKeys: [tags["strata/run_key"]] });

    await expect
      .poll(async () => (await ticksOf("broken_fn")).find((tick) => tick.status === "FAILURE"), { timeout: 120_000, interval: 500 })
      .toBeDefined();
    const failed = (await ticksOf("broken_fn")).find((tick) => tick.status === "FAILURE")!;
    expect(failed.error).toMatchObject({ name: "TypeError", message: expect.stringMatching(/^no calendar for \d+$/) });
    const ticks = await cli("ticks", "--location", "sched", "--status", "failure");
    expect(ticks.stdout).toMatch(/schedule broken_fn\s+FAILURE\s+.*no calendar for/);

    // Over its timeoutMs: the location aborts its signal and fails the tick naming the timeout.
    await expect
      .poll(async () => (await ticksOf("slow_fn")).find((tick) => tick.status === "FAILURE"), { timeout: 120_000, interval: 500 })
      .toBeDefined();
    const late = (await ticksOf("slow_fn")).find((tick) => tick.status === "FAILURE")!;
    // The location says so when its own timer fires first, the server (at its deadline) otherwise.
    expect(
      (late.error as { message: string }).message.startsWith(
        `schedule "slow_fn" timed out after 300 ms (timeoutMs) evaluating ${late.scheduledAt}`,
      ),
    ).toBe(true);
    expect(readFileSync(join(work.dir, "aborted"), "utf8")).toBe(late.scheduledAt);
  }, 300_000);
});
