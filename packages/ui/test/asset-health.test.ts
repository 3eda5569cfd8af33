import { manifestHash } from "@strata/server";
import { manifestOf } from "@strata/server/testing";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openOfflinePage } from "./support/browser.js";
import { rowKeys, settled } from "./support/catalog-page.js";
import { startUiTest, type UiServer } from "./support/ui-server.js";

let ui: UiServer;
let browser: Browser;
let close: (() => Promise<void>) | undefined;

// A small condition as the manifest carries it (what AutomationCondition.missing().and(...) builds).
const MISSING_AND_IDLE = {
  op: "and",
  label: "missing_and_idle",
  children: [{ op: "missing" }, { op: "not", children: [{ op: "runInProgress" }] }],
};

beforeAll(async () => {
  ({ ui, browser, close } = await startUiTest());
  await ui.client.registerCodeLocation({
    name: "shop",
    ...manifestOf(
      [
        { key: "shop/orders", group: "sales" },
        { key: "shop/revenue", deps: ["shop/orders"], group: "finance", automation: MISSING_AND_IDLE },
        { key: "shop/customers", group: "sales" },
      ],
      [
        { asset: "shop/orders", name: "no_null_ids", blocking: true, description: "every order has an id" },
        { asset: "shop/customers", name: "unique_emails" },
      ],
    ),
  });
  await ui.client.reportMaterialization({ assetKey: "shop/orders", dataVersion: "1" });
  await ui.client.reportMaterialization({ assetKey: "shop/revenue" });
  await ui.client.reportMaterialization({ assetKey: "shop/customers" });
  // New data upstream: shop/revenue is now unsynced because of it.
  await ui.client.reportMaterialization({ assetKey: "shop/orders", dataVersion: "2" });
  await ui.client.reportCheckResult({ checkKey: "shop/orders#no_null_ids", passed: false, metadata: { null_rows: 3 } });
  await ui.client.reportCheckResult({ checkKey: "shop/customers#unique_emails", passed: true });
  await ui.server.automation.tick({ force: true });
  // An asset held to an hourly freshness policy (the fixture has no field for one).
  const { manifest } = manifestOf([{ key: "timely/hourly" }]) as { manifest: { assets: Array<{ key: string }> } };
  const hourly = { kind: "time_window", failAfterMs: 3_600_000, warnAfterMs: null };
  const timely = { ...manifest, manifestVersion: 3, checks: [], assets: manifest.assets.map((a) => ({ ...a, freshness: hourly })) };
  await ui.client.registerCodeLocation({ name: "timely", manifest: timely, hash: manifestHash(timely) });
  await ui.client.reportMaterialization({ assetKey: "timely/hourly" });
});
afterAll(() => close?.());

describe("checks, sync status and automation in the catalog and on the asset page", () => {
  it("shows a failing check on its asset's page, and the catalog's check-health filter finds it", async () => {
    const p = await openOfflinePage(browser);
    await p.page.goto(`${ui.url}/`);
    await settled(p, "");
    // The badge column: one failing, one passing, none for an asset without checks.
    const orders = p.page.locator('[data-key="shop/orders"]');
    expect(await orders.locator('[data-status="FAILING"]').innerText()).toBe("failing");
    expect(await p.page.locator('[data-key="shop/customers"] [data-status="PASSING"]').count()).toBe(1);
    expect(await p.page.locator('[data-key="shop/revenue"] [data-testid="check-health"] .badge').count()).toBe(0);
    // The sync column: new data upstream of shop/revenue, the rest materialized since their inputs changed.
    const sync = (key: string) => p.page.locator(`[data-key="${key}"] [data-testid="sync-state"]`).innerText();
    expect(await sync("shop/revenue")).toBe("unsynced");
    expect(await sync("shop/orders")).toBe("synced");
    expect(await sync("shop/customers")).toBe("synced");

    await p.page.getByLabel("Filter by check health").selectOption("FAILING");
    await settled(p, "checkHealth=FAILING");
    expect(await rowKeys(p)).toEqual(["shop/orders"]);
    expect(new URL(p.page.url()).search).toBe("?checkHealth=FAILING");
    await p.screenshot("catalog-failing-checks");

    await p.page.getByRole("link", { name: "shop/orders" }).click();
    const check = p.page.locator('[data-testid="asset-check"][data-name="no_null_ids"]');
    await expect.poll(() => check.innerText().catch(() => "")).toContain("failed");
    const text = await check.innerText();
    expect(text).toContain("every order has an id");
    expect(text).toContain("blocking");
    expect(text).toContain("severity error");
    expect(text).toContain("null_rows");
    expect(text).toContain("reported"); // not from a run
    expect(await p.page.getByTestId("asset-checks").locator("h2").innerText()).toContain("failing");

    // A new result arrives while the page is open.
    await ui.client.reportCheckResult({ checkKey: "shop/orders#no_null_ids", passed: true });
    await expect.poll(() => check.innerText()).toContain("succeeded");
    await p.screenshot("asset-checks");
    expect(p.blocked).toEqual([]);
    expect(p.errors).toEqual([]);
  });

  it("shows an unsynced asset's root cause and cause tree, its freshness, and its automation evaluation", async () => {
    const p = await openOfflinePage(browser);
    await p.page.goto(`${ui.url}/?syncStatus=UNSYNCED`);
    await settled(p, "syncStatus=UNSYNCED");
    expect(await rowKeys(p)).toEqual(["shop/revenue"]);
    await p.page.getByRole("link", { name: "shop/revenue" }).click();

    const sync = p.page.getByTestId("sync-status");
    await expect.poll(() => sync.locator("h2").innerText()).toContain("unsynced");
    expect(await p.page.getByTestId("root-causes").innerText()).toBe("shop/orders has a new data version (data)");
    // As a tree: the dependency's own cause nested under the asset's.
    const top = sync.locator("details > ul.tree > li");
    expect(await top.count()).toBe(1);
    expect(await top.innerText()).toMatch(/^shop\/revenue has a new dependency data version/);
    expect(await top.locator("ul.tree > li").innerText()).toContain("shop/orders has a new data version");
    await expect.poll(() => p.page.getByTestId("freshness").innerText()).toBe("No freshness policy.");
    // The root cause links to the asset to fix first.
    expect(await p.page.getByTestId("root-causes").getByRole("link", { name: "shop/orders" }).getAttribute("href")).toBe(
      "/assets/shop/orders",
    );

    const { evaluations } = await ui.client.assetAutomation("shop/revenue", { first: 1 });
    const root = evaluations.items[0]!.nodes.find((n) => n.parentId === null)!;
    const automation = p.page.getByTestId("asset-automation");
    await expect.poll(() => automation.innerText().catch(() => "")).toContain("missing_and_idle");
    const nodes = automation.getByTestId("evaluation-node");
    expect(await nodes.count()).toBe(evaluations.items[0]!.nodes.length);
    expect(await nodes.first().innerText()).toContain(`${root.trueCount} / ${root.candidateCount}`);
    expect(await automation.innerText()).toContain(evaluations.items[0]!.requested ? "requested" : "not requested");
    await p.screenshot("asset-sync-automation");

    // A synced asset says so, and has no automation section.
    await p.page.goto(`${ui.url}/assets/shop/customers`);
    await expect.poll(() => p.page.getByTestId("sync-status").locator("h2").innerText()).toContain("synced");
    expect(await p.page.getByTestId("sync-status").locator("h2").innerText()).not.toContain("unsynced");
    expect(await p.page.getByTestId("asset-automation").count()).toBe(0);

    // An asset with a freshness policy shows its state and when it changes next.
    await p.page.goto(`${ui.url}/assets/timely/hourly`);
    await expect.poll(() => p.page.getByTestId("freshness").innerText()).toMatch(/^pass since /);
    expect(await p.page.getByTestId("freshness-next").innerText()).toMatch(/changes at .+ unless materialized/);
    expect(p.blocked).toEqual([]);
    expect(p.errors).toEqual([]);
  });
});
