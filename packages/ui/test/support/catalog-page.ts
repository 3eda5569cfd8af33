import type { OfflinePage } from "./browser.js";

/** The keys of the catalog page's rendered asset rows, sorted. */
export async function rowKeys(p: OfflinePage): Promise<string[]> {
  return p.page.locator('[data-testid="asset-row"]').evaluateAll((rows) => rows.map((r) => r.getAttribute("data-key")!).sort());
}

/** Waits until the catalog shows the results of exactly this URL query. */
export async function settled(p: OfflinePage, query: string): Promise<void> {
  await p.page.locator(`[data-testid="catalog-list"][data-query="${query}"][data-state="ready"]`).waitFor();
}
