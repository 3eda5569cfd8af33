import type { AssetFilter } from "@strata/sdk";

/** The catalog's filters, in the order the filter bar shows them; each is a URL parameter. */
export const FILTER_FIELDS = ["group", "owner", "tag", "kind", "location"] as const;
export type FilterField = (typeof FILTER_FIELDS)[number];

/** Every filter present (undefined: not filtered), so two equal filters make one query key. */
export type CatalogFilters = { [F in FilterField | "search"]: AssetFilter[F] };

/** `?q=orders&group=sales` → filters; empty parameters are no filter. */
export function filtersFromSearch(search: string): CatalogFilters {
  const params = new URLSearchParams(search);
  const value = (name: string) => params.get(name)?.trim() || undefined;
  return {
    search: value("q"),
    group: value("group"),
    owner: value("owner"),
    tag: value("tag"),
    kind: value("kind"),
    location: value("location"),
  };
}

/** Filters → `q=orders&group=sales`, trimmed, leaving out the empty ones. */
export function searchFromFilters(filters: CatalogFilters): string {
  const params = new URLSearchParams();
  if (filters.search?.trim()) params.set("q", filters.search.trim());
  for (const field of FILTER_FIELDS) {
    const value = filters[field]?.trim();
    if (value) params.set(field, value);
  }
  return params.toString();
}
