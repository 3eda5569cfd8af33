import { describe, expect, it } from "vitest";
import type { LocationTick } from "../src/automation/automation-service.js";
import type { SensorTickOutcome } from "../src/automation/sensor-tick.js";
import { manifestWith } from "./support/manifest-with.js";
import { createAutomationTestApp } from "../src/testing/automation-app.js";
import { suiteFixture } from "./support/suite-fixture.js";
import { tickWorker } from "./support/tick-worker.js";
import { testDialect } from "../src/testing/test-database.js";

// Sensors through the server's loop (injected clock) and the worker's GraphQL calls, played here
// as a location's worker would (the real location's side is in the CLI's sensors e2e test).
const INTERVAL = 30_000;
let clock = Date.parse("2026-01-05T08:00:00Z");
const env = suiteFixture(() => {
  const sensor = { description: null, targets: ["x"], defaultStatus: "RUNNING", minimumIntervalMs: INTERVAL };
  const registration = manifestWith([{ key: "x" }, { key: "y" }], 5, {
    sensors: [
      { ...sensor, name: "files", timeoutMs: 10_000 },
      { ...sensor, name: "off", timeoutMs: 10_000, defaultStatus: "STOPPED" },
    ],
  });
  return createAutomationTestApp("sense", registration, () => clock, { intervalMs: INTERVAL });
});

const sensorsOf = (ticks: LocationTick[]) => ticks.find((t) => t.location === "sense")!.sensors!;
/** One pass of the loop `ms` later: the outcome of sensor `files`. */
async function pass(ms = INTERVAL): Promise<SensorTickOutcome> {
  clock += ms;
  const outcomes = sensorsOf(await env.automation.tick());
  expect(outcomes.find((o) => o.sensor === "off")).toMatchObject({ kind: "stopped" });
  const files = outcomes.find((o) => o.sensor === "files")!;
  if (files.kind === "failed") throw new Error(files.error);
  return files;
}
const ticks = tickWorker<{ tickId: string; cursor: string | null }>(env, "Sensor", "sense", "tickId sensor cursor lastTickAt");
const { claim, report, tickRow } = ticks;
const sensorRuns = () =>
  env.app.db.sql.query<{ id: string; tags: Record<string, string>; selection: string[]; createdBy: string }>(
    `SELECT id, tags, selection, "createdBy" FROM "Run" WHERE "createdBy" = 'sensor' ORDER BY "createdAt", tags->>'strata/run_key'`,
  );

describe(`sensors (${testDialect})`, () => {
  it("hands each due tick to one worker; the cursor it returns comes back at the next tick; a run key launches once", async () => {
    const first = await pass();
    expect(first).toMatchObject({ kind: "requested" });
    // Not due again before its interval, and not twice while one is being evaluated.
    expect(await pass(1_000)).toMatchObject({ kind: "pending" });
    const [tick] = await claim();
    expect(tick).toMatchObject({ tickId: first.tickId, cursor: null });
    expect(await claim()).toEqual([]);
    const launched = await report(tick!.tickId, {
      runRequests: [{ runKey: "a.csv", tags: { file: "a.csv" } }, { runKey: "b.csv" }],
      cursor: "b.csv",
    });
    expect(launched).toMatchObject({ __typename: "SensorTickReport", status: "SUCCESS", accepted: true, repeatedRunKeys: [] });
    expect(launched.runIds).toHaveLength(2);
    const runs = await sensorRuns();
    expect(runs.map((r) => r.tags["strata/run_key"])).toEqual(["a.csv", "b.csv"]);
    expect(runs[0]).toMatchObject({ selection: ["x"], tags: { file: "a.csv", "strata/sensor": "files" } });
    expect(await tickRow(tick!.tickId)).toMatchObject({ status: "SUCCESS", runKeys: ["a.csv", "b.csv"] });

    expect(await pass(10_000)).toMatchObject({ kind: "idle" });
    const second = await pass(INTERVAL);
    expect(second).toMatchObject({ kind: "requested" });
    const [next] = await claim();
    expect(next).toMatchObject({ cursor: "b.csv" });
    expect(next!.tickId).not.toBe(tick!.tickId);
    // b.csv again with c.csv: only c.csv launches, and asks for y.
    const again = await report(next!.tickId, {
      runRequests: [{ runKey: "b.csv" }, { runKey: "c.csv", assetKeys: ["y"] }],
      cursor: "c.csv",
    });
    expect(again).toMatchObject({ status: "SUCCESS", repeatedRunKeys: ["b.csv"] });
    expect((await sensorRuns()).map((r) => [r.tags["strata/run_key"], r.selection])).toEqual([
      ["a.csv", ["x"]],
      ["b.csv", ["x"]],
      ["c.csv", ["y"]],
    ]);
  });

  it("a repeated run key alone launches nothing (a skipped tick saying why); a skip reason gives a skipped tick with it", async () => {
    await pass(INTERVAL);
    const [repeat] = await claim();
    expect(await report(repeat!.tickId, { runRequests: [{ runKey: "a.csv" }] })).toMatchObject({ status: "SKIPPED", runIds: [] });
    expect(await tickRow(repeat!.tickId)).toMatchObject({
      status: "SKIPPED",
      skipReason: "every run key was launched before: a.csv",
      runKeys: ["a.csv"],
    });

    await pass(INTERVAL);
    const [skip] = await claim();
    expect(skip!.cursor).toBe("c.csv");
    expect(await report(skip!.tickId, { skipReason: "no new files in the inbox" })).toMatchObject({ status: "SKIPPED" });
    expect(await tickRow(skip!.tickId)).toMatchObject({ status: "SKIPPED", skipReason: "no new files in the inbox" });
    // A skip keeps the cursor.
    await pass(INTERVAL);
    const [kept] = await claim();
    expect(kept!.cursor).toBe("c.csv");
    await report(kept!.tickId, {});
    expect(await sensorRuns()).toHaveLength(3);
  });

  it("a tick not answered within timeoutMs fails naming the timeout, the late answer launches nothing, and the next tick runs", async () => {
    await pass(INTERVAL);
    const [slow] = await claim();
    const timedOut = await pass(INTERVAL);
    expect(timedOut.timedOut).toEqual({
      tickId: slow!.tickId,
      error: 'sensor "files" timed out after 10000 ms (timeoutMs) in worker w1',
    });
    // The same pass hands out the next tick.
    expect(timedOut).toMatchObject({ kind: "requested" });
    expect(await tickRow(slow!.tickId)).toMatchObject({
      status: "FAILURE",
      error: { message: expect.stringContaining("timed out after 10000 ms") },
    });
    expect(await report(slow!.tickId, { runRequests: [{ runKey: "late.csv" }] })).toMatchObject({
      accepted: false,
      status: "FAILURE",
      runIds: [],
    });
    const [next] = await claim();
    expect(next!.tickId).toBe(timedOut.tickId);
    expect(await report(next!.tickId, { runRequests: [{ runKey: "d.csv" }], cursor: "d.csv" })).toMatchObject({ status: "SUCCESS" });
    expect(await sensorRuns()).toHaveLength(4);
  });

  it("a function that threw fails its tick with the error and keeps the cursor; bad answers are refused with the field at fault", async () => {
    const completed = await env.app.subscribe(`subscription { tickCompleted(location: "sense") { id status sensorName error } }`);
    await pass(INTERVAL);
    const [tick] = await claim();
    const bad = await report(tick!.tickId, { runRequests: [{ runKey: "" }] });
    expect(bad).toMatchObject({ __typename: "InvalidArgumentError", message: expect.stringContaining("runRequests.0.runKey") });
    expect(await report(tick!.tickId, { error: { name: "TypeError", message: "inbox is not a directory" } })).toMatchObject({
      status: "FAILURE",
    });
    expect(await tickRow(tick!.tickId)).toMatchObject({ status: "FAILURE", error: { message: "inbox is not a directory" } });
    // tickCompleted told subscribers as the tick ended.
    expect((await completed.next()).data!.tickCompleted).toMatchObject({
      id: tick!.tickId,
      status: "FAILURE",
      sensorName: "files",
      error: { message: "inbox is not a directory" },
    });
    completed.close();
    await pass(INTERVAL);
    const [next] = await claim();
    expect(next!.cursor).toBe("d.csv");
    await report(next!.tickId, {});
  });

  it("a run request the server refuses fails the tick at once, naming it; nothing of that answer is kept", async () => {
    await pass(INTERVAL);
    const [tick] = await claim();
    const refused = await report(tick!.tickId, {
      runRequests: [{ runKey: "e.csv" }, { runKey: "f.csv", assetKeys: ["nope"] }],
      cursor: "f.csv",
    });
    expect(refused).toMatchObject({ __typename: "SensorTickReport", status: "FAILURE", accepted: true, runIds: [] });
    const row = await tickRow(tick!.tickId);
    expect(row.status).toBe("FAILURE");
    expect(row.error!.message).toMatch(/^run request 1 refused: .*nope/);
    // e.csv's run and key were rolled back with the rest: the next tick may launch it.
    expect(await sensorRuns()).toHaveLength(4);
    await pass(INTERVAL);
    const [next] = await claim();
    expect(next!.cursor).toBe("d.csv");
    expect(await report(next!.tickId, { runRequests: [{ runKey: "e.csv" }], cursor: "e.csv" })).toMatchObject({ status: "SUCCESS" });
    expect(await sensorRuns()).toHaveLength(5);
  });

  it("lists sensors with their state; stop, start and set the cursor through GraphQL", async () => {
    const SENSORS = `query { sensors(location: "sense") { name status cursor minimumIntervalMs timeoutMs targetAssetKeys
      ticks(first: 2) { edges { node { status sensorName } } } } }`;
    const listed = (await env.app.gql(SENSORS)).data!.sensors;
    expect(listed.map((s: { name: string; status: string }) => [s.name, s.status])).toEqual([
      ["files", "RUNNING"],
      ["off", "STOPPED"],
    ]);
    expect(listed[0]).toMatchObject({ cursor: "e.csv", minimumIntervalMs: INTERVAL, timeoutMs: 10_000, targetAssetKeys: ["x"] });
    expect(listed[0].ticks.edges[0].node.sensorName).toBe("files");
    const SET = `mutation { setSensorCursor(location: "sense", name: "files", cursor: "z.csv") { ... on Sensor { cursor } } }`;
    expect((await env.app.gql(SET)).data!.setSensorCursor).toEqual({ cursor: "z.csv" });
    const STOP = `mutation { stopSensor(location: "sense", name: "files") { ... on Sensor { status nextTickAt } } }`;
    expect((await env.app.gql(STOP)).data!.stopSensor).toEqual({ status: "STOPPED", nextTickAt: null });
    clock += INTERVAL;
    expect(sensorsOf(await env.automation.tick()).find((o) => o.sensor === "files")).toMatchObject({ kind: "stopped" });
    const START = `mutation { startSensor(location: "sense", name: "nope") { __typename ... on Error { message } } }`;
    expect((await env.app.gql(START)).data!.startSensor.__typename).toBe("NotFoundError");
    await env.app.gql(`mutation { startSensor(location: "sense", name: "files") { ... on Sensor { status } } }`);
    expect(await pass(INTERVAL)).toMatchObject({ kind: "requested" });
    const [tick] = await claim();
    expect(tick!.cursor).toBe("z.csv");
    // A worker of another location may not take or answer this location's ticks.
    const other = await env.app.token("location:other");
    expect((await env.app.gql(ticks.reportQuery, { tickId: tick!.tickId, result: {} }, other)).data!.reportSensorTick).toMatchObject({
      __typename: "UnauthorizedError",
      message: expect.stringContaining('lacks the "location:sense" scope'),
    });
    expect((await env.app.gql(ticks.claimQuery, {}, other)).errors?.[0]?.message ?? "").toMatch(/location:sense/);
  });
});
