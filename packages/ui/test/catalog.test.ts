import { DAILY_JANUARY_UTC, manifestOf } from "@strata/server/testing";
import { describe, expect, it } from "vitest";
import { openOfflinePage } from "./support/browser.js";
import { rowKeys, settled } from "./support/catalog-page.js";
import { withUiServer, withUiTest } from "./support/ui-server.js";

const { ui, browser } = withUiTest(async (ui) => {
  await ui.client.registerCodeLocation({
    name: "shop",
    ...manifestOf([
      {
        key: "shop/orders",
        group: "sales",
        owners: ["ana@example.com"],
        kinds: ["postgres"],
        tags: { tier: "gold" },
        description: "Every order placed",
      },
      {
        key: "shop/revenue",
        deps: ["shop/orders"],
        group: "finance",
        owners: ["team:finance"],
        kinds: ["dbt"],
        description: "Revenue by day",
      },
      { key: "shop/customers", group: "sales", kinds: ["postgres"], description: "Customer master data" },
      { key: "shop/daily_orders", deps: ["shop/orders"], group: "sales", partitions: DAILY_JANUARY_UTC },
    ]),
  });
  await ui.client.registerCodeLocation({ name: "marketing", ...manifestOf([{ key: "mkt/campaigns", group: "marketing" }]) });
  await ui.client.reportCodeLocationLoadError({ name: "marketing", error: "SyntaxError: Unexpected token '}' in defs.ts:12" });
  await ui.client.reportMaterialization({ assetKey: "shop/orders", metadata: { rows: 1200, source: "warehouse" }, codeVersion: "v1" });
  await ui.client.reportMaterialization({ assetKey: "shop/orders", metadata: { rows: 1250, source: "warehouse" }, codeVersion: "v1" });
  await ui.client.reportMaterialization({ assetKey: "shop/daily_orders", partition: "2024-01-03" });
});

describe("the web UI served by the server, with the network blocked for every other host", () => {
  it("serves index.html for the UI's routes (no-cache) and hashed assets with a long cache", async () => {
    const index = await fetch(`${ui.url}/runs/some-run`);
    expect(index.status).toBe(200);
    expect(index.headers.get("cache-control")).toBe("no-cache");
    const html = await index.text();
    const script = /src="(\/static\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${ui.url}${script}`, { headers: { "accept-encoding": "gzip" } });
    expect(asset.status).toBe(200);
    expect(asset.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(asset.headers.get("content-type")).toMatch(/^text\/javascript/);
    const etag = index.headers.get("etag")!;
    expect((await fetch(`${ui.url}/`, { headers: { "if-none-match": etag } })).status).toBe(304);
    expect((await fetch(`${ui.url}/static/nope.js`)).status).toBe(404);
    expect((await fetch(`${ui.url}/static/..%2f..%2fpackage.json`)).status).toBe(404);
    expect(await (await fetch(`${ui.url}/..%2fpackage.json`)).text()).toBe(html);
    // GraphQL still answers beside it.
    expect((await fetch(`${ui.url}/graphql?query=${encodeURIComponent("{ health { version } }")}`)).status).toBe(200);
  });

  it("lists the catalog, searches and filters through the URL, and opens an asset with its materialization", async () => {
    const p = await openOfflinePage(browser);
    await p.page.goto(`${ui.url}/`);
    await settled(p, "");
    expect(await rowKeys(p)).toEqual(["mkt/campaigns", "shop/customers", "shop/daily_orders", "shop/orders", "shop/revenue"]);
    await expect.poll(() => p.page.getByTestId("catalog-count").innerText()).toContain("5 assets");
    await p.screenshot("catalog");

    await p.page.getByLabel("Search assets").fill("order");
    await settled(p, "q=order");
    expect(await rowKeys(p)).toEqual(["shop/daily_orders", "shop/orders"]);
    expect(new URL(p.page.url()).search).toBe("?q=order");

    // A label in a row filters by it.
    await p.page.getByLabel("Search assets").fill("");
    await settled(p, "");
    await p.page.locator('[data-key="shop/revenue"]').getByRole("button", { name: "finance", exact: true }).click();
    await settled(p, "group=finance");
    expect(await rowKeys(p)).toEqual(["shop/revenue"]);

    // Filters come from the URL too (a shared link), combined.
    await p.page.goto(`${ui.url}/?group=sales&kind=postgres&tag=tier%3Dgold`);
    await settled(p, "group=sales&tag=tier%3Dgold&kind=postgres");
    expect(await rowKeys(p)).toEqual(["shop/orders"]);
    await p.screenshot("catalog-filtered");

    await p.page.getByRole("link", { name: "shop/orders" }).click();
    await p.page.getByTestId("asset-title").waitFor();
    expect(new URL(p.page.url()).pathname).toBe("/assets/shop/orders");
    const latest = p.page.getByTestId("latest-materialization");
    await expect.poll(() => latest.innerText()).toContain("1,250");
    expect(await latest.innerText()).toContain("warehouse");
    await expect.poll(() => p.page.getByTestId("materialization-history").locator("tbody tr").count()).toBe(2);
    const page = await p.page.locator(".asset-page").innerText();
    expect(page).toContain("Every order placed");
    expect(page).toContain("ana@example.com");
    expect(page).toContain("shop/revenue"); // downstream
    await p.screenshot("asset");

    // A partitioned asset shows its status bar from ranges.
    await p.page.goto(`${ui.url}/assets/shop/daily_orders`);
    const bar = p.page.getByTestId("partition-bar");
    await expect.poll(() => bar.innerText()).toContain("31 partitions: 1 materialized");
    expect(await bar.locator("rect").count()).toBe(3);
    await p.screenshot("asset-partitioned");

    expect(p.blocked).toEqual([]);
    expect(p.errors).toEqual([]);
  });

  it("shows code locations with their load errors, the lineage canvas, and the backfills page", async () => {
    const p = await openOfflinePage(browser);
    await p.page.goto(`${ui.url}/locations`);
    const marketing = p.page.locator('[data-testid="code-location"][data-name="marketing"]');
    await expect.poll(() => marketing.innerText()).toContain("load error");
    expect(await marketing.getByTestId("load-error").innerText()).toContain("SyntaxError: Unexpected token");
    expect(await p.page.locator('[data-name="shop"]').innerText()).toMatch(/loaded[\s\S]*4/);
    await p.screenshot("code-locations");

    await p.page.getByRole("link", { name: "Lineage" }).click();
    await expect.poll(() => p.page.getByTestId("lineage-summary").innerText()).toBe("5 assets, 2 edges");
    await p.screenshot("lineage");
    // A graph this small fits the screen close enough for every asset to be a card: click one to open it.
    const cards = p.page.getByTestId("lineage-card");
    await expect.poll(() => cards.count()).toBe(5);
    const first = (await cards.first().getAttribute("data-key"))!;
    await cards.first().click();
    await p.page.waitForURL((url) => decodeURIComponent(url.pathname) === `/assets/${first}`);
    expect(await p.page.getByTestId("asset-title").innerText()).toContain(first);
    // And back: the asset page opens the graph centred on it, selected.
    await p.page.getByTestId("show-in-lineage").click();
    await p.page.locator(`[data-testid="lineage-card"][data-key="${first}"].selected`).waitFor();

    await p.page.getByRole("link", { name: "Backfills" }).click();
    await p.page.getByText("No backfills").waitFor();
    await p.screenshot("backfills");
    expect(p.blocked).toEqual([]);
    expect(p.errors).toEqual([]);
  });
});

describe("a server that requires a token", () => {
  const secured = withUiServer({ auth: "required" }, (secured) =>
    secured.client.registerCodeLocation({ name: "shop", ...manifestOf([{ key: "shop/orders" }]) }),
  );

  it("asks for a token, keeps it in local storage, and shows the catalog with it", async () => {
    const p = await openOfflinePage(browser);
    await p.page.goto(`${secured.url}/`);
    await p.page.getByLabel("API token").fill("strata_not_a_real_token");
    await p.page.getByRole("button", { name: "Use this token" }).click();
    await p.page.getByText("The stored token was refused").waitFor();
    await p.screenshot("token-prompt");
    await p.page.getByLabel("API token").fill(secured.admin!);
    await p.page.getByRole("button", { name: "Use this token" }).click();
    await p.page.locator('[data-key="shop/orders"]').waitFor();
    expect(await p.page.evaluate(() => localStorage.getItem("strata.token"))).toBe(secured.admin);
    await p.page.reload();
    await p.page.locator('[data-key="shop/orders"]').waitFor();
    expect(p.blocked).toEqual([]);
  });
});
