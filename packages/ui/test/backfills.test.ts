import { DAILY_JANUARY_UTC, manifestOf } from "@strata/server/testing";
import { describe, expect, it } from "vitest";
import { openOfflinePage, type OfflinePage } from "./support/browser.js";
import { FakeWorker } from "./support/fake-worker.js";
import { withUiTest } from "./support/ui-server.js";

const { ui, browser } = withUiTest(async (ui) => {
  // One asset per test, so that one test's partitions and runs do not show in the other's.
  await ui.client.registerCodeLocation({
    name: "shop",
    ...manifestOf([
      { key: "shop/daily_orders", partitions: DAILY_JANUARY_UTC },
      { key: "shop/daily_refunds", partitions: DAILY_JANUARY_UTC },
    ]),
  });
  for (const partition of ["2024-01-01", "2024-01-02", "2024-01-03"])
    await ui.client.reportMaterialization({ assetKey: "shop/daily_orders", partition });
});

const rowOf = (p: OfflinePage, backfillId: string) => p.page.locator(`[data-testid="backfill-row"][data-backfill="${backfillId}"]`);
const statusIn = (p: OfflinePage, backfillId: string) => rowOf(p, backfillId).locator("[data-status]").getAttribute("data-status");

describe("backfills in the web UI", () => {
  it("launches a backfill from the asset's partitions bar (range, missing only, previewed), lists it and cancels it", async () => {
    const p = await openOfflinePage(browser);
    await p.page.goto(`${ui.url}/assets/shop/daily_orders`);
    const bar = p.page.getByTestId("partition-bar");
    await expect.poll(() => bar.innerText()).toContain("31 partitions: 3 materialized");
    // Click a range, shift-click another: the selection spans both.
    await p.page.getByRole("button", { name: "2024-01-04 … 2024-01-31: missing (28)" }).click();
    await expect
      .poll(() => p.page.getByTestId("partition-selection").innerText())
      .toContain("Selected 2024-01-04 … 2024-01-31 (28 partitions");
    await p.page.getByRole("button", { name: "2024-01-01 … 2024-01-03: materialized (3)" }).click({ modifiers: ["Shift"] });
    await expect
      .poll(() => p.page.getByTestId("partition-selection").innerText())
      .toContain("Selected 2024-01-01 … 2024-01-31 (31 partitions");
    await p.page.getByRole("button", { name: "Backfill…" }).click();

    const dialog = p.page.getByRole("dialog", { name: "Launch a backfill" });
    const preview = dialog.getByTestId("backfill-preview");
    const launch = dialog.getByRole("button", { name: "Launch backfill" });
    expect(await dialog.getByLabel("First partition").inputValue()).toBe("2024-01-01");
    expect(await dialog.getByLabel("Last partition").inputValue()).toBe("2024-01-31");
    await expect.poll(() => preview.innerText()).toContain("31 partitions in 31 runs");
    await dialog.getByLabel("Missing only", { exact: true }).check();
    await expect.poll(() => preview.innerText()).toContain("28 partitions in 28 runs");
    // A key the asset does not have: the launch's refusal, as a sentence, and no launching.
    await dialog.getByLabel("Last partition").fill("2024-02-30");
    await expect.poll(() => dialog.getByRole("alert").innerText()).toMatch(/2024-02-30/);
    expect(await launch.isDisabled()).toBe(true);
    await p.screenshot("backfill-refused");
    await dialog.getByLabel("Last partition").fill("2024-01-06");
    await expect.poll(() => preview.innerText()).toContain("3 partitions in 3 runs");
    await expect.poll(() => preview.innerText()).toContain("2024-01-04");
    await expect.poll(() => launch.isDisabled()).toBe(false);
    await p.screenshot("backfill-preview");
    await launch.click();

    await p.page.waitForURL((url) => url.pathname === "/backfills");
    const [launched] = (await ui.client.backfills()).items;
    expect(launched).toMatchObject({
      assetKeys: ["shop/daily_orders"],
      only: "MISSING",
      runCount: 3,
      assetStatuses: [{ assetKey: "shop/daily_orders", targeted: 3 }],
    });
    await expect.poll(() => statusIn(p, launched!.id)).toBe("REQUESTED");
    await rowOf(p, launched!.id)
      .getByRole("button", { name: /^Cancel backfill/ })
      .click();
    await rowOf(p, launched!.id)
      .getByRole("button", { name: /^Confirm canceling backfill/ })
      .click();
    await expect.poll(() => statusIn(p, launched!.id)).toBe("CANCELED");
    const canceled = await ui.client.backfill(launched!.id, { runs: 10 });
    expect(canceled.runs.map((r) => r.status)).toEqual(["CANCELED", "CANCELED", "CANCELED"]);
    await p.screenshot("backfill-canceled");
    expect(p.blocked).toEqual([]);
    expect(p.errors).toEqual([]);
  });

  it("retries exactly the failed partitions of a backfill as a new backfill", async () => {
    const parent = await ui.client.launchBackfill({ assetKeys: ["shop/daily_refunds"], from: "2024-01-10", to: "2024-01-13" });
    expect(parent.runCount).toBe(4);
    const failing = ["2024-01-11", "2024-01-13"];
    const worker = new FakeWorker(ui.server.graphqlUrl, "shop");
    for (let i = 0; i < 4; i++) {
      const run = await worker.claim();
      const partition = run.partitionKey!;
      const step = "shop__daily_refunds";
      await worker.start(run);
      if (failing.includes(partition)) {
        await worker.fail(run.id, step, `no refunds file for ${partition}`);
        await worker.report(run.id, {
          type: "RUN_FAILURE",
          payload: { durationMs: 5, failedSteps: [step], skippedSteps: [], error: null },
        });
      } else {
        const assetKey = "shop/daily_refunds";
        await worker.report(
          run.id,
          { type: "STEP_START", stepKey: step, payload: { retryNumber: 0 } },
          { type: "ASSET_MATERIALIZATION", stepKey: step, assetKey, payload: { assetKey, outputName: "result", partition } },
          { type: "STEP_SUCCESS", stepKey: step, payload: { durationMs: 5, retryNumber: 0 } },
          { type: "RUN_SUCCESS", payload: { durationMs: 5 } },
        );
      }
    }
    await expect.poll(async () => (await ui.client.backfill(parent.id)).status).toBe("COMPLETED_FAILED");

    const p = await openOfflinePage(browser);
    await p.page.goto(`${ui.url}/backfills`);
    await expect.poll(() => statusIn(p, parent.id)).toBe("COMPLETED_FAILED");
    await rowOf(p, parent.id)
      .getByRole("button", { name: /^Retry the failed partitions/ })
      .click();
    await expect.poll(() => rowOf(p, parent.id).innerText()).toContain("retried as");
    const child = (await ui.client.backfills()).items.find((b) => b.parentBackfillId === parent.id);
    expect(child).toMatchObject({ assetKeys: ["shop/daily_refunds"], runCount: 2 });
    const runs = (await ui.client.backfill(child!.id, { runs: 10 })).runs;
    expect(runs.map((r) => r.partitionKey).sort()).toEqual(failing);
    await expect.poll(() => rowOf(p, child!.id).innerText()).toContain(`of ${parent.id.slice(0, 8)}`);
    await p.screenshot("backfill-retried");
    expect(p.blocked).toEqual([]);
    expect(p.errors).toEqual([]);
  });
});
