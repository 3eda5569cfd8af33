import { AutomationCondition } from "@strata/protocol";
import { manifestOf } from "@strata/server/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NotFoundError, UnauthorizedError } from "./errors.js";
import { startTestServer, type TestServer } from "./testing/test-server.js";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
  await t.client().registerCodeLocation({
    name: "auto",
    ...manifestOf([{ key: "a" }, { key: "b", deps: ["a"], automation: AutomationCondition.eager().node }]),
  });
});
afterAll(() => t.close());

describe("declarative automation", () => {
  it("shows an asset's condition and evaluations, and the ticks that launched its run", async () => {
    const client = t.client();
    const before = await client.assetAutomation("b");
    expect(before).toMatchObject({ condition: { label: "eager" }, nextTickAt: null, evaluations: { items: [] } });
    await t.server.automation.tick({ force: true });
    await client.reportMaterialization({ assetKey: "a" });
    // What the next tick will request, and why, before it does (nothing written).
    const dry = await client.automationDryRun("auto");
    expect(dry).toMatchObject({ location: "auto", requested: ["b"], runAssetKeys: ["b"] });
    expect(dry.evaluations.find((e) => e.assetKey === "b")?.nodes[0]).toMatchObject({ label: "eager", trueCount: 1 });
    await expect(client.automationDryRun("nowhere")).rejects.toBeInstanceOf(NotFoundError);
    await t.server.automation.tick({ force: true });

    const ticks = await client.automationTicks({ location: "auto", first: 1 });
    expect(ticks.hasNextPage).toBe(true);
    const [tick] = ticks.items;
    expect(tick).toMatchObject({ status: "SUCCESS", requested: 1, location: { name: "auto" }, error: null });
    expect(tick!.runIds).toHaveLength(1);
    expect((await client.run(tick!.runIds[0]!)).tags).toEqual({ "strata/automation_tick": tick!.id });
    expect((await client.automationTicks({ status: ["SKIPPED"] })).items.map((x) => x.status)).toEqual(["SKIPPED"]);

    const after = await client.assetAutomation("b", { first: 1 });
    expect(after.nextTickAt).not.toBeNull();
    const [latest] = after.evaluations.items;
    expect(latest).toMatchObject({ assetKey: "b", requested: true, runIds: tick!.runIds, tick: { id: tick!.id, status: "SUCCESS" } });
    expect(latest!.nodes[0]).toMatchObject({ parentId: null, label: "eager", trueCount: 1, candidateCount: 1 });
    expect((await client.assetAutomation("a")).condition).toBeNull();
    await expect(client.assetAutomation("nope")).rejects.toBeInstanceOf(NotFoundError);
  });

  it("streams each tick of a location as it ends", async () => {
    const client = t.client();
    let connected!: () => void;
    const open = new Promise<void>((resolve) => (connected = resolve));
    const live = client.tickCompleted({ location: "auto" }, { onStatus: (s) => s.state === "connected" && connected() });
    const next = live.next();
    await open;
    await t.server.automation.tick({ force: true });
    const tick = (await next).value;
    // b's run from the first test is still queued: this tick requests nothing.
    expect(tick).toMatchObject({ status: "SKIPPED", location: { name: "auto" }, requested: 0, sensorName: null, scheduleName: null });
    expect((await client.automationTicks({ location: "auto", first: 1 })).items[0]).toEqual(tick);
    live.close();
  });

  it("pauses and resumes a location's automation", async () => {
    const client = t.client();
    expect(await client.setAutomationPaused("auto", true)).toMatchObject({ location: "auto", paused: true, nextTickAt: null });
    expect((await client.assetAutomation("b")).nextTickAt).toBeNull();
    expect(await client.setAutomationPaused("auto", false)).toMatchObject({ paused: false });
    await expect(client.setAutomationPaused("nowhere", true)).rejects.toBeInstanceOf(NotFoundError);
    const reader = t.client({ token: await t.token("read") });
    await expect(reader.setAutomationPaused("auto", true)).rejects.toBeInstanceOf(UnauthorizedError);
  });
});
