import type { AssetCheckHealth, AssetFilter, FreshnessState, SyncState } from "@strata/sdk";

/** The catalog's text filters, in the order the filter bar shows them; each is a URL parameter. */
export const FILTER_FIELDS = ["group", "owner", "tag", "kind", "location"] as const;
export type FilterField = (typeof FILTER_FIELDS)[number];

/**
 * The status filters: each a URL parameter with a fixed set of values (the server's enums), so a
 * value the server does not know never reaches it.
 */
export const STATUS_FILTERS = {
  checkHealth: ["FAILING", "WARNING", "PASSING", "NOT_EVALUATED"] satisfies AssetCheckHealth[],
  syncStatus: ["UNSYNCED", "MISSING", "SYNCED"] satisfies SyncState[],
  freshness: ["FAIL", "WARN", "PASS", "UNKNOWN"] satisfies FreshnessState[],
} as const;
export type StatusFilter = keyof typeof STATUS_FILTERS;
const STATUS_FIELDS = Object.keys(STATUS_FILTERS) as StatusFilter[];

/** Every filter present (undefined: not filtered), so two equal filters make one query key. */
export type CatalogFilters = { [F in FilterField | StatusFilter | "search"]: AssetFilter[F] };

/** `?q=orders&group=sales&checkHealth=FAILING` → filters; empty or unknown values are no filter. */
export function filtersFromSearch(search: string): CatalogFilters {
  const params = new URLSearchParams(search);
  const value = (name: string) => params.get(name)?.trim() || undefined;
  const status = <F extends StatusFilter>(field: F) => {
    const raw = value(field);
    return (STATUS_FILTERS[field] as readonly string[]).includes(raw ?? "") ? (raw as CatalogFilters[F]) : undefined;
  };
  return {
    search: value("q"),
    group: value("group"),
    owner: value("owner"),
    tag: value("tag"),
    kind: value("kind"),
    location: value("location"),
    checkHealth: status("checkHealth"),
    syncStatus: status("syncStatus"),
    freshness: status("freshness"),
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
  for (const field of STATUS_FIELDS) {
    const value = filters[field];
    if (value) params.set(field, value);
  }
  return params.toString();
}
