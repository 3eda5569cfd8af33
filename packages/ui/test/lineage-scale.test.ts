import { seededRandom } from "@strata/server/testing";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUDGETS, FRAME_MS, JITTER_MS, openOfflinePage, percentile, recordFrames } from "./support/browser.js";
import { syntheticLocation } from "./support/synthetic-catalog.js";
import { startUiTest, type UiServer } from "./support/ui-server.js";

// Issue 14's budgets for the global lineage graph: 10,000 assets in 100 groups; the layout query
// ≤ 500 ms cold and ≤ 50 ms cached; first paint ≤ 2 s; 5 s of panning and zooming with a p95
// frame ≤ 16.7 ms; a live materialization recolouring its node within 500 ms without refetching
// the graph; at most 300 React cards mounted. Under `npm test` (every package's tests at once on
// two cores) the behaviour is checked and the timings printed; `STRATA_UI_BUDGETS=1` holds them
// to the budgets (speed is a measurement for a quiet machine).
const GROUPS = 100;
const PER_GROUP = 100;
const COUNT = GROUPS * PER_GROUP;
const COLD_MS = 500;
const CACHED_MS = 50;
const FIRST_PAINT_MS = 2_000;
const RECOLOUR_MS = 500;
const MAX_CARDS = 300;
const WAIT_MS = BUDGETS ? 30_000 : 300_000;

const median = (values: number[]) => percentile(values, 50);

/**
 * The spec's "groups" shape: groups of 100 assets, each asset depending on two earlier ones of its
 * group, and on an asset of an earlier group 5% of the time.
 */
function groupedDeps(): (n: number) => number[] {
  const next = seededRandom(7);
  return (n) => {
    const start = n - (n % PER_GROUP);
    const deps = n === start ? [] : [start + Math.floor(next() * (n - start)), start + Math.floor(next() * (n - start))];
    if (start > 0 && next() < 0.05) deps.push(Math.floor(next() * start));
    return deps;
  };
}
const key = (n: number) => `graph/asset_${String(n).padStart(6, "0")}`;

let ui: UiServer;
let browser: Browser;
let close: (() => Promise<void>) | undefined;
const timings: Record<string, string> = {};

beforeAll(async () => {
  ({ ui, browser, close } = await startUiTest());
  const location = syntheticLocation("graph", COUNT, {
    group: (n) => `group_${String(Math.floor(n / PER_GROUP)).padStart(3, "0")}`,
    deps: groupedDeps(),
  });
  await ui.client.registerCodeLocation(location);
}, 600_000);
afterAll(async () => {
  console.log(
    `lineage at ${COUNT.toLocaleString()} assets: ${Object.entries(timings)
      .map(([k, v]) => `${k} ${v}`)
      .join("; ")}`,
  );
  await close?.();
});

describe(`the lineage graph of ${COUNT.toLocaleString()} assets in ${GROUPS} groups`, () => {
  it("is laid out by the server once per graph: cold, then from its cache", async () => {
    let started = performance.now();
    const cold = await ui.client.lineageLayout();
    const coldMs = performance.now() - started;
    expect(cold.cached).toBe(false);
    expect(cold.keys).toHaveLength(COUNT);
    expect(cold.groups).toHaveLength(GROUPS);
    const cached: number[] = [];
    for (let i = 0; i < 7; i++) {
      started = performance.now();
      const again = await ui.client.lineageLayout();
      cached.push(performance.now() - started);
      expect(again.cached).toBe(true);
      expect(again.graphHash).toBe(cold.graphHash);
    }
    timings.layout = `cold ${Math.round(coldMs)} ms (computing ${cold.computeMs} ms), cached median ${median(cached).toFixed(1)} ms`;
    if (BUDGETS) {
      expect(coldMs).toBeLessThanOrEqual(COLD_MS);
      expect(median(cached)).toBeLessThanOrEqual(CACHED_MS);
    }
  });

  it("paints within 2 s, pans and zooms within the frame budget, and recolours a node live without refetching", async () => {
    const p = await openOfflinePage(browser, { intercept: false });
    let layoutRequests = 0;
    p.page.on("request", (request) => {
      if (request.postData()?.includes("query LineageLayout")) layoutRequests++;
    });
    // Warm the bundle's cache, as a second visit.
    await p.page.goto(`${ui.url}/lineage`);
    await p.page.locator("[data-painted-at]").waitFor({ timeout: WAIT_MS });
    await p.page.goto(`${ui.url}/lineage?visit=2`);
    await p.page.locator("[data-painted-at]").waitFor({ timeout: WAIT_MS });
    const firstPaint = Number(await p.page.getByTestId("lineage-canvas").getAttribute("data-painted-at"));
    timings["first paint"] = `${firstPaint} ms`;
    expect(await p.page.getByTestId("lineage-summary").innerText()).toMatch(/^10,000 assets, [\d,]+ edges$/);
    const stage = p.page.getByTestId("lineage-stage");
    expect(await stage.getAttribute("data-mode")).toBe("groups");
    await p.screenshot("lineage-10k-groups");
    if (BUDGETS) expect(firstPaint).toBeLessThanOrEqual(FIRST_PAINT_MS);

    // 5 s of scripted panning and zooming, the page recording its frames.
    const stopRecording = await recordFrames(p.page);
    const box = (await stage.boundingBox())!;
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;
    const modes = new Set<string>();
    const cards: number[] = [];
    const until = performance.now() + 5_000;
    for (let step = 0; performance.now() < until; step++) {
      const phase = step % 80;
      await p.page.mouse.move(cx, cy);
      if (phase < 20) await p.page.mouse.wheel(0, -60);
      else if (phase < 60) {
        await p.page.mouse.down();
        await p.page.mouse.move(cx + (phase % 2 ? 40 : -25), cy + (phase % 3 ? 15 : -20), { steps: 2 });
        await p.page.mouse.up();
      } else await p.page.mouse.wheel(0, 60);
      modes.add((await stage.getAttribute("data-mode"))!);
      if (step % 5 === 0) cards.push(await p.page.getByTestId("lineage-card").count());
    }
    const frames = await stopRecording();
    const frameP95 = percentile(frames, 95);
    timings.frames = `${frames.length} frames, p50 ${percentile(frames, 50).toFixed(1)} ms, p95 ${frameP95.toFixed(1)} ms over modes ${[...modes].join("/")}`;
    expect(modes).toContain("nodes");
    expect(Math.max(...cards)).toBeLessThanOrEqual(MAX_CARDS);
    if (BUDGETS) expect(frameP95).toBeLessThanOrEqual(FRAME_MS + JITTER_MS);

    // Find an asset: the view centres on it, close enough for cards.
    const target = key(4_242);
    await p.page.getByLabel("Find an asset").fill("asset_004242");
    await p.page.getByTestId("lineage-matches").getByRole("button", { name: target }).click();
    const card = p.page.locator(`[data-testid="lineage-card"][data-key="${target}"]`);
    await card.waitFor({ timeout: WAIT_MS });
    expect(await stage.getAttribute("data-mode")).toBe("cards");
    expect(await p.page.getByTestId("lineage-card").count()).toBeLessThanOrEqual(MAX_CARDS);
    expect(await card.getAttribute("data-status")).toBe("MISSING");
    await p.screenshot("lineage-10k-cards");

    const requestsBefore = layoutRequests;
    const started = performance.now();
    await ui.client.reportMaterialization({ assetKey: target });
    await expect.poll(() => card.getAttribute("data-status"), { timeout: WAIT_MS, interval: 10 }).toBe("SYNCED");
    const recolourMs = performance.now() - started;
    timings.recolour = `${Math.round(recolourMs)} ms`;
    if (BUDGETS) expect(recolourMs).toBeLessThanOrEqual(RECOLOUR_MS);

    // Zoomed out to rectangles, a live materialization repaints its node on the canvas.
    await p.page.mouse.move(cx, cy);
    for (let i = 0; i < 6; i++) await p.page.mouse.wheel(0, 120);
    await expect.poll(() => stage.getAttribute("data-mode")).toBe("nodes");
    const neighbour = key(4_243);
    await ui.client.reportMaterialization({ assetKey: neighbour });
    await expect.poll(() => p.page.getByTestId("lineage-canvas").getAttribute("data-repainted"), { timeout: WAIT_MS }).toBe(neighbour);
    expect(layoutRequests).toBe(requestsBefore);

    // A click on a card opens its asset.
    await p.page.getByLabel("Find an asset").fill("asset_000007");
    await p.page.keyboard.press("Enter");
    await p.page.locator(`[data-testid="lineage-card"][data-key="${key(7)}"]`).click();
    await p.page.waitForURL((url) => url.pathname === `/assets/${encodeURIComponent(key(7))}` || url.pathname === `/assets/${key(7)}`);
    expect(p.errors).toEqual([]);
  });
});
