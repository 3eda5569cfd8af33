import { createWorkerClient } from "@strata/sdk";
import { manifestHash } from "@strata/server";
import { manifestOf } from "@strata/server/testing";
import { describe, expect, it } from "vitest";
import { openOfflinePage } from "./support/browser.js";
import { withUiServer, withUiTest } from "./support/ui-server.js";

const { ui, browser } = withUiTest(async (ui) => {
  // shop/revenue materializes by itself when missing: the forced tick below evaluates it.
  const missing = {
    op: "and",
    label: "missing_and_idle",
    children: [{ op: "missing" }, { op: "not", children: [{ op: "runInProgress" }] }],
  };
  const { manifest } = manifestOf([{ key: "shop/orders" }, { key: "shop/revenue", deps: ["shop/orders"], automation: missing }]);
  // Schedules and sensors make the manifest version 5, a schedule function 6 (manifestOf writes up to 3).
  const schedule = { tags: {}, description: "orders every night", timezone: "Europe/Berlin" };
  const withSchedules = {
    ...manifest,
    manifestVersion: 6,
    sensors: [
      {
        name: "inbox",
        minimumIntervalMs: 30_000,
        timeoutMs: 60_000,
        targets: ["shop/orders"],
        description: "files dropped in the inbox",
        defaultStatus: "RUNNING",
      },
    ],
    schedules: [
      { ...schedule, name: "nightly_orders", cron: "0 2 * * *", targets: ["shop/orders"], defaultStatus: "RUNNING" },
      {
        ...schedule,
        name: "weekly_revenue",
        cron: "0 6 * * 1",
        targets: ["shop/revenue"],
        defaultStatus: "STOPPED",
        timezone: "UTC",
        function: { timeoutMs: 60_000 },
      },
    ],
  };
  await ui.client.registerCodeLocation({ name: "shop", manifest: withSchedules, hash: manifestHash(withSchedules) });
  await ui.server.automation.tick({ force: true });
  // The tick handed the sensor's tick to the location: answered here as its worker would.
  const worker = createWorkerClient({ url: ui.server.graphqlUrl });
  const [sensorTick] = await worker.claimSensorTicks({ location: "shop", workerId: "ui-test" });
  await worker.reportSensorTick({
    location: "shop",
    tickId: sensorTick!.tickId,
    workerId: "ui-test",
    result: { skipReason: "no file after 2024-06-01.csv", cursor: "2024-06-01.csv" },
  });
});

describe("the automation page", () => {
  it("lists a location's schedules and condition automation, and stopping a schedule changes its status", async () => {
    const p = await openOfflinePage(browser);
    await p.page.goto(`${ui.url}/`);
    await p.page.getByRole("link", { name: "Automation" }).click();
    const nightly = p.page.locator('[data-testid="schedule"][data-name="nightly_orders"]');
    await nightly.waitFor();
    const row = await nightly.innerText();
    expect(row).toContain("0 2 * * *");
    expect(row).toContain("Europe/Berlin");
    expect(row).toContain("orders every night");
    expect(row).toContain("shop/orders");
    expect(await nightly.locator(".badge").first().innerText()).toBe("running");
    // Next tick, relative: within a minute of 02:00 in Berlin it is seconds away, or "now".
    expect(await nightly.innerText()).toMatch(/in \d+ (seconds?|minutes?|hours?)|tomorrow|\bnow\b/);
    const weekly = p.page.locator('[data-testid="schedule"][data-name="weekly_revenue"]');
    expect(await weekly.locator(".badge").first().innerText()).toBe("stopped");
    // A function in the location decides weekly_revenue's runs; nightly_orders is data.
    expect(await weekly.getByTestId("schedule-function").getAttribute("title")).toContain("timeout 60,000 ms");
    expect(await nightly.getByTestId("schedule-function").count()).toBe(0);
    const location = p.page.locator('[data-testid="automation-location"][data-name="shop"]');
    expect(await location.getByTestId("condition-automation").innerText()).toContain("running");
    // The forced tick evaluated the conditions and requested shop/revenue.
    const tick = p.page.getByTestId("tick").first();
    await expect.poll(() => tick.innerText().catch(() => "")).toContain("conditions");
    expect(await tick.locator(".badge").innerText()).toBe("success");
    expect(await tick.locator("a.chip").count()).toBe(1);
    await p.screenshot("automation");

    await nightly.getByRole("button", { name: "Stop" }).click();
    await expect.poll(() => nightly.locator(".badge").first().innerText()).toBe("stopped");
    expect(await nightly.getByRole("button").innerText()).toBe("Start");
    expect((await ui.client.schedules({ location: "shop" })).find((s) => s.name === "nightly_orders")!.status).toBe("STOPPED");

    await weekly.getByRole("button", { name: "Start" }).click();
    await expect.poll(() => weekly.locator(".badge").first().innerText()).toBe("running");

    // The sensor: its interval, cursor and last tick with the reason it skipped; Stop stops it.
    const inbox = p.page.locator('[data-testid="sensor"][data-name="inbox"]');
    const sensorRow = await inbox.innerText();
    expect(sensorRow).toContain("files dropped in the inbox");
    expect(sensorRow).toContain("every 30 s");
    expect(sensorRow).toContain("no file after 2024-06-01.csv");
    expect(await inbox.getByTestId("sensor-cursor").innerText()).toBe("2024-06-01.csv");
    expect(await inbox.locator(".badge").nth(1).innerText()).toBe("skipped");
    await inbox.getByRole("button", { name: "Stop" }).click();
    await expect.poll(() => inbox.locator(".badge").first().innerText()).toBe("stopped");
    expect((await ui.client.sensors({ location: "shop" }))[0]!.status).toBe("STOPPED");
    expect(await p.page.getByTestId("tick").filter({ hasText: "sensor inbox" }).count()).toBeGreaterThan(0);

    await location.getByRole("button", { name: "Pause" }).click();
    await expect.poll(() => location.getByTestId("condition-automation").innerText()).toContain("paused");
    expect(p.blocked).toEqual([]);
    expect(p.errors).toEqual([]);
  });
});

describe("a token without the launch scope", () => {
  const secured = withUiServer({ auth: "required" }, async (secured) => {
    const { manifest } = manifestOf([{ key: "shop/orders" }], [{ asset: "shop/orders", name: "rows" }]);
    const withSchedules = {
      ...manifest,
      manifestVersion: 4,
      schedules: [
        {
          name: "nightly_orders",
          cron: "0 2 * * *",
          targets: ["shop/orders"],
          tags: {},
          description: null,
          timezone: "UTC",
          defaultStatus: "RUNNING",
        },
      ],
    };
    await secured.client.registerCodeLocation({ name: "shop", manifest: withSchedules, hash: manifestHash(withSchedules) });
  });

  it("shows the server's refusal where Stop was clicked, and the schedule keeps running", async () => {
    const reader = await secured.client.createToken({ name: "reader", scopes: ["read"] });
    const p = await openOfflinePage(browser);
    await p.page.goto(`${secured.url}/automation`);
    await p.page.getByLabel("API token").fill(reader.secret);
    await p.page.getByRole("button", { name: "Use this token" }).click();
    const nightly = p.page.locator('[data-testid="schedule"][data-name="nightly_orders"]');
    await nightly.getByRole("button", { name: "Stop" }).click();
    await expect
      .poll(() =>
        nightly
          .getByRole("alert")
          .innerText()
          .catch(() => ""),
      )
      .toMatch(/launch/);
    expect(await nightly.locator(".badge").first().innerText()).toBe("running");
    expect((await secured.client.schedules())[0]!.status).toBe("RUNNING");
  });
});
