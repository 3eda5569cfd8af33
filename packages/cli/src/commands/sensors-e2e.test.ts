import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCATION_FIXTURE_TIMEOUT_MS, type LocationFixture, startLocationFixture } from "../testing/location-fixture.js";
import { runCli } from "../testing/run-cli.js";
import type { TestServer, workDirectory } from "../testing/test-server.js";

/**
 * Sensors end to end: a real server (its automation loop ticked by the test), a real `strata
 * location serve` process evaluating the sensor's function (reading files in its own directory)
 * and executing the runs it asks for. Every file is asked for at every tick; run keys make each
 * launch once.
 */
const DEFS = `
import { mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { asset, Definitions, FilesystemIOManager, sensor } from "@strata/definitions";

const inbox = join(import.meta.dirname, "inbox");
export const ingest = asset({ key: "sense/ingest" }, () => 1);
export const files = sensor("inbox_files", { minimumIntervalMs: 200, timeoutMs: 30_000, target: [ingest] }, ({ cursor }) => {
  mkdirSync(inbox, { recursive: true });
  const names = readdirSync(inbox).sort();
  if (!names.some((n) => n > (cursor ?? ""))) return { skipReason: "no file after " + (cursor ?? "the start") };
  return { runRequests: names.map((n) => ({ runKey: n, tags: { file: n } })), cursor: names.at(-1) };
});
export const slow = sensor("slow", { minimumIntervalMs: 200, timeoutMs: 300, defaultStatus: "STOPPED" }, async () => {
  await new Promise((resolve) => setTimeout(resolve, 5_000));
  return { skipReason: "too late to count" };
});
export default new Definitions({
  assets: [ingest],
  sensors: [files, slow],
  ioManagers: { io_manager: new FilesystemIOManager({ baseDir: join(import.meta.dirname, "storage") }) },
});
`;

let t: TestServer;
let work: ReturnType<typeof workDirectory>;
let fixture: LocationFixture;
let ticking: NodeJS.Timeout;
beforeAll(async () => {
  fixture = await startLocationFixture("sense", DEFS);
  ({ server: t, work } = fixture);
  // The server's own loop ticks every 30 s; the test ticks it every 100 ms.
  ticking = setInterval(() => void t.server.automation.tick().catch(() => undefined), 100);
}, LOCATION_FIXTURE_TIMEOUT_MS);
afterAll(async () => {
  clearInterval(ticking);
  await fixture?.stop();
});

const cli = (...args: string[]) => runCli(["automation", ...args, "--server", t.url, "--token", t.admin]);
const ticksOf = async (sensor: string) =>
  (await t.client.sensors({ location: "sense", ticks: 50 })).find((s) => s.name === sensor)!.ticks.items;
const sensorRuns = async () => (await t.client.runs({ first: 100 })).items.filter((r) => r.createdBy === "sensor");
const drop = (name: string) => writeFileSync(join(work.dir, "inbox", name), name);
const POLL = { timeout: 120_000, interval: 200 };

describe("sensors with a real server and a real code location", () => {
  it("evaluates in the location: skip reasons, runs per new file (each run key once), the cursor carried, set and cleared", async () => {
    const listed = await cli("list", "--location", "sense");
    expect(listed.stdout).toMatch(/inbox_files\s+RUNNING\s+every 0\.2 s\s+sense\/ingest\s+-/);
    expect(listed.stdout).toMatch(/slow\s+STOPPED\s+every 0\.2 s\s+-/);

    await expect.poll(async () => (await ticksOf("inbox_files"))[0]?.skipReason, POLL).toBe("no file after the start");
    drop("a.csv");
    drop("b.csv");
    await expect.poll(async () => (await sensorRuns()).filter((r) => r.status === "SUCCESS").length, POLL).toBe(2);
    // c.csv arrives: a and b are asked for again, and launch nothing.
    drop("c.csv");
    await expect.poll(async () => (await sensorRuns()).length, POLL).toBe(3);
    await expect.poll(async () => (await ticksOf("inbox_files"))[0]?.skipReason, POLL).toBe("no file after c.csv");
    const runs = await sensorRuns();
    expect(runs.map((r) => (r.tags as Record<string, string>)["strata/run_key"]).sort()).toEqual(["a.csv", "b.csv", "c.csv"]);
    expect(
      runs.every(
        (r) => r.assetKeys.join() === "sense/ingest" && r.tags && (r.tags as Record<string, string>)["strata/sensor"] === "inbox_files",
      ),
    ).toBe(true);
    const third = (await ticksOf("inbox_files")).find((tick) => tick.runKeys.includes("c.csv"))!;
    expect(third).toMatchObject({ status: "SUCCESS", runKeys: ["c.csv", "a.csv", "b.csv"], runIds: [expect.any(String)] });
    await expect.poll(async () => (await sensorRuns()).every((r) => r.status === "SUCCESS"), POLL).toBe(true);

    // Cleared, the cursor starts over: every file is new again, and every run key was used.
    const before = Number((await ticksOf("inbox_files"))[0]!.id);
    expect((await cli("cursor", "inbox_files", "--clear")).stdout).toBe('Sensor "inbox_files" of code location "sense": cursor cleared\n');
    const since = async () => (await ticksOf("inbox_files")).filter((tick) => Number(tick.id) > before).map((tick) => tick.skipReason);
    await expect.poll(since, POLL).toContain("every run key was launched before: a.csv, b.csv, c.csv");
    expect((await t.client.sensors({ location: "sense" }))[0]!.cursor).toBe("c.csv");
    expect((await cli("cursor", "inbox_files", "zzz")).stdout).toContain('cursor set to "zzz"');
    await expect.poll(async () => (await ticksOf("inbox_files"))[0]?.skipReason, POLL).toBe("no file after zzz");
    expect(await sensorRuns()).toHaveLength(3);
    expect((await cli("cursor", "inbox_files")).code).toBe(2);
    expect((await cli("cursor", "nope", "x")).stderr).toContain('No sensor "nope" in any code location');
  }, 300_000);

  it("a sensor over its timeout fails its tick naming it, and its next tick runs; stop stops it", async () => {
    expect((await cli("start", "slow")).stdout).toBe('Sensor "slow" of code location "sense" is running\n');
    await expect
      .poll(async () => (await ticksOf("slow")).filter((tick) => tick.status === "FAILURE").length, POLL)
      .toBeGreaterThanOrEqual(2);
    const [failed] = (await ticksOf("slow")).filter((tick) => tick.status === "FAILURE");
    expect((failed!.error as { message: string }).message).toMatch(/^sensor "slow" timed out after 300 ms \(timeoutMs\)/);
    expect((await cli("stop", "slow")).stdout).toBe('Sensor "slow" of code location "sense" is stopped\n');
    const ticks = await cli("ticks", "--location", "sense", "--status", "failure");
    expect(ticks.stdout).toMatch(/sensor slow\s+FAILURE\s+.*timed out after 300 ms/);
  }, 300_000);
});
