import { manifestOf } from "@strata/server/testing";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openOfflinePage, type OfflinePage } from "./support/browser.js";
import { FakeWorker } from "./support/fake-worker.js";
import { startUiTest, type UiServer } from "./support/ui-server.js";

let ui: UiServer;
let browser: Browser;
let close: (() => Promise<void>) | undefined;
let worker: FakeWorker;

beforeAll(async () => {
  ({ ui, browser, close } = await startUiTest());
  await ui.client.registerCodeLocation({
    name: "shop",
    ...manifestOf([{ key: "shop/orders" }, { key: "shop/revenue", deps: ["shop/orders"] }, { key: "shop/report", deps: ["shop/revenue"] }]),
  });
  worker = new FakeWorker(ui.server.graphqlUrl, "shop");
});
afterAll(() => close?.());

/** The status the run page's heading shows. */
const headingStatus = (p: OfflinePage) => p.page.locator("h1 [data-status]").getAttribute("data-status");
const runIdOf = (p: OfflinePage) => new URL(p.page.url()).pathname.split("/").at(-1)!;

describe("runs in the web UI", () => {
  it("shows a failed run's steps and log, re-executes it from failure, and follows the child live to SUCCESS", async () => {
    const run = await ui.client.launchRun({ assetKeys: ["shop/orders", "shop/revenue", "shop/report"] });
    const claimed = await worker.claim();
    expect(claimed.id).toBe(run.id);
    await worker.start(claimed);
    await worker.succeed(run.id, "shop__orders", "shop/orders", { rows: { type: "int", value: 10 } });
    await worker.fail(run.id, "shop__revenue", "the warehouse was down");
    await worker.report(
      run.id,
      { type: "STEP_SKIPPED", stepKey: "shop__report", payload: { reason: "upstream_failed", missing: [] } },
      { type: "RUN_FAILURE", payload: { durationMs: 30, failedSteps: ["shop__revenue"], skippedSteps: ["shop__report"], error: null } },
    );

    const p = await openOfflinePage(browser);
    await p.page.goto(`${ui.url}/runs/${run.id}`);
    await expect.poll(() => headingStatus(p)).toBe("FAILURE");
    const bars = p.page.getByTestId("gantt-bar");
    await expect
      .poll(() => bars.evaluateAll((els) => els.map((e) => `${e.getAttribute("data-step")}:${e.getAttribute("data-status")}`)))
      .toEqual(["shop__orders:SUCCESS", "shop__revenue:FAILURE", "shop__report:SKIPPED"]);
    const log = p.page.getByTestId("run-log");
    await expect.poll(() => log.innerText()).toContain("the warehouse was down");
    await expect.poll(() => p.page.getByTestId("log-count").innerText()).toBe("9 of 9 events");
    await p.page.getByLabel("Filter the log by step").selectOption("shop__revenue");
    await expect.poll(() => p.page.getByTestId("log-count").innerText()).toBe("3 of 9 events");
    await p.page.getByLabel("Filter the log by level").selectOption("ERROR");
    await expect.poll(() => p.page.getByTestId("log-count").innerText()).toBe("1 of 9 events");
    await p.screenshot("run-failed");

    await p.page.getByRole("button", { name: "Re-execute from failure" }).click();
    await p.page.waitForURL((url) => url.pathname.startsWith("/runs/") && !url.pathname.endsWith(run.id));
    const childId = runIdOf(p);
    await p.page.getByText("Re-execution of").waitFor();
    const child = await worker.claim();
    expect(child.id).toBe(childId);
    expect(child.stepKeys).toEqual(["shop__report", "shop__revenue"]);
    await worker.start(child);
    await expect.poll(() => headingStatus(p)).toBe("STARTED");
    await worker.succeed(childId, "shop__revenue", "shop/revenue");
    await expect.poll(() => bars.evaluateAll((els) => els.map((e) => e.getAttribute("data-step")))).toEqual(["shop__revenue"]);
    await worker.succeed(childId, "shop__report", "shop/report");
    await worker.report(childId, { type: "RUN_SUCCESS", payload: { durationMs: 20 } });
    await expect.poll(() => headingStatus(p)).toBe("SUCCESS");
    await expect.poll(() => bars.count()).toBe(2);
    await p.screenshot("run-child-success");

    // The runs list filters by status, from the URL.
    await p.page.goto(`${ui.url}/runs?status=FAILURE`);
    await expect.poll(() => p.page.getByTestId("run-row").count()).toBe(1);
    await p.page.getByRole("button", { name: "success" }).click();
    await expect.poll(() => p.page.getByTestId("run-row").count()).toBe(2);
    expect(new URL(p.page.url()).searchParams.get("status")).toBe("FAILURE,SUCCESS");
    await p.screenshot("runs");
    expect(p.blocked).toEqual([]);
    expect(p.errors).toEqual([]);
  });

  it("launches the catalog's selection as a run, after previewing its steps, and follows it", async () => {
    await ui.client.registerCodeLocation({ name: "crm", ...manifestOf([{ key: "crm/accounts" }]) });
    const runsBefore = (await ui.client.runs()).items.length;
    const p = await openOfflinePage(browser);
    await p.page.goto(`${ui.url}/`);
    const dialog = p.page.getByRole("dialog");
    // Three assets: the server's plan, each step after those it waits for.
    for (const key of ["shop/report", "shop/orders", "shop/revenue"]) await p.page.getByLabel(`Select ${key}`).check();
    await p.page.getByRole("button", { name: "Materialize selected…" }).click();
    const steps = dialog.getByTestId("plan-steps").locator("li");
    await expect
      .poll(() => steps.evaluateAll((items) => items.map((li) => li.getAttribute("data-step"))))
      .toEqual(["shop__orders", "shop__revenue", "shop__report"]);
    expect(await steps.nth(2).innerText()).toContain("after shop__revenue");
    await p.screenshot("launch-preview");
    await dialog.getByRole("button", { name: "Cancel" }).click();
    // Assets of two locations: the refusal a launch would give, and no way to launch.
    await p.page.getByLabel("Select crm/accounts").check();
    await p.page.getByRole("button", { name: "Materialize selected…" }).click();
    await expect.poll(() => dialog.innerText()).toMatch(/crm.*shop|shop.*crm/s);
    expect(await dialog.getByRole("button", { name: "Launch run" }).isDisabled()).toBe(true);
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await p.page.getByRole("button", { name: "Clear" }).click();
    expect((await ui.client.runs()).items).toHaveLength(runsBefore);

    await p.page.getByLabel("Select shop/orders").check();
    await p.page.getByRole("button", { name: "Materialize selected…" }).click();
    await dialog.getByTestId("plan-steps").getByText("shop__orders").waitFor();
    await p.page.getByRole("button", { name: "Launch run" }).click();
    await p.page.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
    const runId = runIdOf(p);
    const claimed = await worker.claim();
    expect(claimed).toMatchObject({ id: runId, stepKeys: ["shop__orders"] });
    await worker.start(claimed);
    await worker.succeed(runId, "shop__orders", "shop/orders", { rows: { type: "int", value: 12 } });
    await worker.report(runId, { type: "RUN_SUCCESS", payload: { durationMs: 8 } });
    await expect.poll(() => headingStatus(p)).toBe("SUCCESS");
    await expect.poll(() => p.page.getByTestId("log-count").innerText()).toBe("5 of 5 events");
    expect(p.blocked).toEqual([]);
    expect(p.errors).toEqual([]);
  });

  it("re-executes the steps picked on the chart, exactly those", async () => {
    const run = await ui.client.launchRun({ assetKeys: ["shop/orders", "shop/revenue", "shop/report"] });
    const claimed = await worker.claim();
    expect(claimed.id).toBe(run.id);
    await worker.start(claimed);
    await worker.succeed(run.id, "shop__orders", "shop/orders");
    await worker.succeed(run.id, "shop__revenue", "shop/revenue");
    await worker.succeed(run.id, "shop__report", "shop/report");
    await worker.report(run.id, { type: "RUN_SUCCESS", payload: { durationMs: 30 } });

    const p = await openOfflinePage(browser);
    await p.page.goto(`${ui.url}/runs/${run.id}`);
    await expect.poll(() => headingStatus(p)).toBe("SUCCESS");
    const button = p.page.getByRole("button", { name: /Re-execute .*selected step/ });
    expect(await button.isDisabled()).toBe(true);
    await p.page.getByRole("checkbox", { name: "Select step shop__revenue" }).click();
    await expect.poll(() => button.innerText()).toBe("Re-execute 1 selected step");
    await p.screenshot("run-step-selected");
    await button.click();
    await p.page.waitForURL((url) => url.pathname.startsWith("/runs/") && !url.pathname.endsWith(run.id));
    const child = await worker.claim();
    expect(child).toMatchObject({ id: runIdOf(p), stepKeys: ["shop__revenue"], strategy: "SELECTED_STEPS" });
    await worker.start(child);
    await worker.succeed(child.id, "shop__revenue", "shop/revenue");
    await worker.report(child.id, { type: "RUN_SUCCESS", payload: { durationMs: 5 } });
    await expect.poll(() => headingStatus(p)).toBe("SUCCESS");
    // The child's page starts with nothing selected.
    expect(await p.page.locator('[data-testid="gantt-step"][aria-checked="true"]').count()).toBe(0);
    expect(p.blocked).toEqual([]);
    expect(p.errors).toEqual([]);
  });
});
