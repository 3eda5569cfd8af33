import { existsSync } from "node:fs";
import { chromium, type Browser, type Page } from "playwright-core";

// Debian's chromium; .ci/run installs it. Missing, the browser tests fail rather than skip: the
// server's GraphiQL and the UI working in a real browser, offline, is what they are for.
const CHROMIUM = "/usr/bin/chromium";

/**
 * Debian's Chromium, headless, without the background traffic a fresh profile starts (component
 * updates, sync, QUIC); `args` go before those flags. Shared with the UI's browser tests.
 */
export async function launchChromium(args: string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: apt-get install -y chromium`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      ...args,
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
      "--disable-sync",
      "--disable-quic",
    ],
  });
}

/** Aborts every request of `page` that leaves this machine (blob: and data: stay), recording its URL in `blocked`. */
export async function blockNonLoopback(page: Page, blocked: string[]): Promise<void> {
  await page.route("**/*", (route) => {
    const url = new URL(route.request().url());
    const local = ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname) || ["blob:", "data:"].includes(url.protocol);
    if (local) return route.continue();
    blocked.push(url.href);
    return route.abort("internetdisconnected");
  });
}
