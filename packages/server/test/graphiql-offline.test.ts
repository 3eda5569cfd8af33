import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StrataServer } from "../src/server.js";
import { testDialect } from "../src/testing/test-database.js";
import { startLoopbackServer } from "../src/testing/loopback-server.js";
import { blockNonLoopback, launchChromium } from "./support/offline-browser.js";

// GraphiQL working without internet is a promise the README makes: without Chromium this test
// fails rather than skips.

describe("GraphiQL on a machine without internet (headless Chromium, every non-loopback request aborted)", () => {
  let server: StrataServer;
  let browser: Browser;
  const blocked: string[] = [];

  beforeAll(async () => {
    server = await startLoopbackServer({ auth: "disabled" });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await server?.db.close();
  });

  it("renders from the server alone and runs a query", async () => {
    const page = await browser.newPage();
    await blockNonLoopback(page, blocked);
    await page.goto(server.graphqlUrl);
    const editor = page.locator(".graphiql-query-editor .monaco-editor, .graphiql-query-editor .CodeMirror").first();
    await editor.waitFor({ timeout: 100_000 }).catch(async () => {
      const text = (await page.locator("body").innerText()).slice(0, 200);
      throw new Error(`GraphiQL did not render within 100 s; the page reads "${text}"; requests blocked: ${blocked.join(", ") || "none"}`);
    });
    await editor.click();
    await page.keyboard.press("ControlOrMeta+A");
    await page.keyboard.press("Delete");
    await page.keyboard.type("{ health { version database } }");
    await page.locator(".graphiql-execute-button").click();
    // The editor renders spaces as no-break spaces.
    const result = async () => (await page.locator(".graphiql-response").innerText()).replace(/\s+/g, " ");
    await expect.poll(result, { timeout: 60_000 }).toContain(`"database": "${testDialect === "postgres" ? "POSTGRES" : "PGLITE"}"`);
    expect(await result()).toMatch(/"version": "\d+\.\d+\.\d+/);
    // Nothing was needed from outside: every request the page made stayed on this machine.
    expect(blocked).toEqual([]);
  }, 200_000);
});
