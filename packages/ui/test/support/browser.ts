import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
// The server's GraphiQL test launches the same Chromium and blocks the same requests.
import { blockNonLoopback, launchChromium } from "../../../server/test/support/offline-browser.js";

const ARTIFACTS = fileURLToPath(new URL("../../.test-artifacts", import.meta.url));

export function launchBrowser(): Promise<Browser> {
  // Every host name but loopback fails to resolve, in the browser itself: pages that skip
  // request interception (the timing tests) are offline too.
  return launchChromium(["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost"]);
}

/** A page that may reach only this machine; what it tried to reach elsewhere is in `blocked`. */
export interface OfflinePage {
  page: Page;
  /** URLs of every non-loopback request the page attempted (each aborted). */
  blocked: string[];
  /** Uncaught exceptions and console errors in the page. */
  errors: string[];
  screenshot(name: string): Promise<void>;
}

/**
 * A page whose every non-loopback request is aborted and recorded. `intercept: false` leaves
 * requests alone (the browser still resolves no other host): interception routes each request
 * through this process, which would add its own latency to the timings a budget test measures.
 */
export async function openOfflinePage(browser: Browser, options: { intercept?: boolean } = {}): Promise<OfflinePage> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  const blocked: string[] = [];
  const errors: string[] = [];
  if (options.intercept !== false) await blockNonLoopback(page, blocked);
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("console", (message) => {
    // A refused token is a 401 the UI answers with its prompt: not an error of the page.
    if (message.type() === "error" && !/status of 401/.test(message.text())) errors.push(message.text());
  });
  return {
    page,
    blocked,
    errors,
    async screenshot(name) {
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: `${ARTIFACTS}/${name}.png`, fullPage: true });
    },
  };
}

/**
 * `STRATA_UI_BUDGETS=1`: the timing tests hold what they measure to their budgets; otherwise
 * (under `npm test`, every package's tests at once on two cores) they check the behaviour and
 * print the timings: speed is a measurement for a quiet machine.
 */
export const BUDGETS = process.env.STRATA_UI_BUDGETS === "1";
/** The frame budget: 60 frames a second. */
export const FRAME_MS = 1000 / 60;
/** rAF timestamps jitter by a few tenths of a millisecond around the display's 16.7 ms. */
export const JITTER_MS = 0.5;

/**
 * Records the page's frame times (requestAnimationFrame deltas, as the budgets are stated) until
 * the returned function stops it and answers them.
 */
export async function recordFrames(page: Page): Promise<() => Promise<number[]>> {
  await page.evaluate(() => {
    const w = window as unknown as { frames: number[]; recording: boolean };
    w.frames = [];
    w.recording = true;
    let last = performance.now();
    const tick = (t: number) => {
      w.frames.push(t - last);
      last = t;
      if (w.recording) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  return () =>
    page.evaluate(() => {
      const w = window as unknown as { frames: number[]; recording: boolean };
      w.recording = false;
      return w.frames.slice(1);
    });
}

/** The `p`th percentile of `values` (nearest rank). */
export function percentile(values: readonly number[], p: number): number {
  return [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((values.length * p) / 100))]!;
}
