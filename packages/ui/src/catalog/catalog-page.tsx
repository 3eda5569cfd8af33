import { useQuery } from "@tanstack/react-query";
import { useVirtualizer } from "@tanstack/react-virtual";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useLocation, useSearch } from "wouter";
import { useStrata } from "../api/strata-provider.js";
import { ErrorNote } from "../layout/error-note.js";
import { TextInput } from "../layout/text-input.js";
import { AssetRow, ROW_HEIGHT } from "./asset-row.js";
import {
  FILTER_FIELDS,
  STATUS_FILTERS,
  filtersFromSearch,
  searchFromFilters,
  type CatalogFilters,
  type FilterField,
  type StatusFilter,
} from "./catalog-filters.js";
import { LaunchPanel } from "./launch-panel.js";
import { useCatalog } from "./use-catalog.js";
import { useSelection } from "../layout/use-selection.js";

// Coalesces key repeats and bursts faster than this; a keystroke after a pause (any typist's
// keystrokes are more than 30 ms apart) searches at once, since the budget is 150 ms from the
// last keystroke to the results. A search overtaken by the next keystroke is aborted.
const DEBOUNCE_MS = 30;

/** The catalog: server-side search and filters kept in the URL, a virtualized list of assets. */
export function CatalogPage() {
  const search = useSearch();
  const [, navigate] = useLocation();
  const filters = useMemo(() => filtersFromSearch(search), [search]);
  // What the inputs show, ahead of the URL (and so of the query) within a burst of keystrokes.
  const [draft, setDraft] = useState<CatalogFilters>(filters);
  // Follow the URL when it changes from elsewhere (a link, back); not when it trails the inputs,
  // or the space just typed after a word (trimmed from the URL) would vanish from the box.
  useEffect(() => setDraft((current) => (searchFromFilters(current) === searchFromFilters(filters) ? current : filters)), [filters]);
  // The latest draft and navigate, for callbacks that stay the same from render to render (the
  // rows are memoized: a keystroke re-renders the filter bar, not every row).
  const latest = useRef({ draft, navigate });
  latest.current = { draft, navigate };
  const burst = useRef<{ timer?: ReturnType<typeof setTimeout>; next?: CatalogFilters }>({});
  const update = useCallback((change: Partial<CatalogFilters>) => {
    const next = { ...latest.current.draft, ...change };
    latest.current.draft = next;
    setDraft(next);
    const apply = (filters: CatalogFilters) => {
      const query = searchFromFilters(filters);
      latest.current.navigate(query ? `/?${query}` : "/", { replace: true });
    };
    const current = burst.current;
    if (current.timer === undefined) apply(next);
    else current.next = next;
    clearTimeout(current.timer);
    current.timer = setTimeout(() => {
      const pending = current.next;
      burst.current = {};
      if (pending) apply(pending);
    }, DEBOUNCE_MS);
  }, []);
  useEffect(() => () => clearTimeout(burst.current.timer), []);

  const { rows, total } = useCatalog(filters);
  const assets = useMemo(() => rows.data?.pages.flatMap((page) => page.items) ?? [], [rows.data]);
  const { selected, toggle, clear } = useSelection();

  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: assets.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const items = virtualizer.getVirtualItems();
  const lastIndex = items.at(-1)?.index ?? 0;
  useEffect(() => {
    if (lastIndex >= assets.length - 40 && rows.hasNextPage && !rows.isFetchingNextPage) void rows.fetchNextPage();
  }, [lastIndex, assets.length, rows]);
  // A new search starts at the top.
  useEffect(() => {
    if (search !== undefined) scroller.current?.scrollTo({ top: 0 });
  }, [search]);

  const ready = !rows.isPending && !rows.isPlaceholderData;
  return (
    <div className="page catalog">
      <div className="filter-bar">
        <TextInput
          className="search"
          type="search"
          placeholder="Search keys, descriptions, metadata…"
          aria-label="Search assets"
          value={draft.search ?? ""}
          onChange={(text) => update({ search: text || undefined })}
        />
        {FILTER_FIELDS.map((field) =>
          field === "location" ? (
            <LocationFilter key={field} value={draft.location} onChange={(location) => update({ location })} />
          ) : (
            <TextInput
              key={field}
              className="filter"
              placeholder={PLACEHOLDERS[field]}
              aria-label={`Filter by ${field}`}
              value={draft[field] ?? ""}
              onChange={(text) => update({ [field]: text || undefined })}
            />
          ),
        )}
        {(Object.keys(STATUS_FILTERS) as StatusFilter[]).map((field) => (
          <select
            key={field}
            className="filter"
            aria-label={STATUS_LABELS[field]}
            value={draft[field] ?? ""}
            onChange={(event) => update({ [field]: event.target.value || undefined })}
          >
            <option value="">{STATUS_LABELS[field].replace("Filter by ", "any ")}</option>
            {STATUS_FILTERS[field].map((value) => (
              <option key={value} value={value}>
                {value.replace("_", " ").toLowerCase()}
              </option>
            ))}
          </select>
        ))}
      </div>
      <div className="list-summary">
        <span data-testid="catalog-count">
          {total.data === undefined || total.data === null ? "…" : `${total.data.toLocaleString()} assets`}
          {rows.isFetching && <span className="muted"> · loading</span>}
        </span>
        {selected.size > 0 && <LaunchPanel selected={[...selected]} onClear={clear} />}
      </div>
      <ErrorNote error={rows.error} />
      <div className="table-head catalog-grid">
        <span />
        <span>Asset</span>
        <span>Group</span>
        <span>Kinds</span>
        <span>Owners</span>
        <span>Tags</span>
        <span>Location</span>
        <span>Checks</span>
        <span>Sync</span>
        <span>Materialized</span>
      </div>
      <div
        ref={scroller}
        className="virtual-scroller"
        data-testid="catalog-list"
        data-query={searchFromFilters(filters)}
        data-state={ready ? "ready" : "loading"}
      >
        <div style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
          {items.map((item) => {
            const asset = assets[item.index]!;
            return (
              <AssetRow
                key={asset.key}
                asset={asset}
                top={item.start}
                selected={selected.has(asset.key)}
                onToggle={toggle}
                onFilter={update}
              />
            );
          })}
        </div>
        {ready && assets.length === 0 && <p className="empty">No asset matches these filters.</p>}
      </div>
    </div>
  );
}

const PLACEHOLDERS: Record<Exclude<FilterField, "location">, string> = {
  group: "group",
  owner: "owner (email or team:x)",
  tag: "tag (name=value)",
  kind: "kind",
};

const STATUS_LABELS: Record<StatusFilter, string> = {
  checkHealth: "Filter by check health",
  syncStatus: "Filter by sync status",
  freshness: "Filter by freshness",
};

function LocationFilter(props: { value: string | undefined; onChange(value: string | undefined): void }) {
  const { client } = useStrata();
  const locations = useQuery({ queryKey: ["code-locations"], queryFn: () => client.codeLocations() });
  return (
    <select
      className="filter"
      aria-label="Filter by code location"
      value={props.value ?? ""}
      onChange={(event) => props.onChange(event.target.value || undefined)}
    >
      <option value="">any location</option>
      {locations.data?.map((location) => (
        <option key={location.name} value={location.name}>
          {location.name}
        </option>
      ))}
      {props.value && !locations.data?.some((l) => l.name === props.value) && <option value={props.value}>{props.value}</option>}
    </select>
  );
}
