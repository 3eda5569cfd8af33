import type { AssetPage } from "@strata/sdk";
import { keepPreviousData, useInfiniteQuery, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { useStrata } from "../api/strata-provider.js";
import { type CatalogFilters, searchFromFilters } from "./catalog-filters.js";

// The first page is small so the first rows come back fast; later pages are larger so a long
// scroll needs few round trips.
const FIRST_PAGE = 100;
const NEXT_PAGES = 300;

// A search's count waits until its filters have stood this long: while someone types, each
// keystroke's rows are worth fetching (they show), the count of each is not, and counting every
// match of a word half typed kept the server busy while the next keystroke's rows waited.
const COUNT_AFTER_MS = 250;

const countKey = (filters: CatalogFilters) => ["assets-count", filters];

/**
 * The catalog's rows for `filters`, page by page as the list scrolls, and how many match. The
 * previous result stays on screen while a new search runs (no flash of an empty list), and a
 * stale search's request is aborted as soon as the filters change.
 */
export function useCatalog(filters: CatalogFilters) {
  const { clientFor } = useStrata();
  const queryClient = useQueryClient();
  // Whether the list has shown rows: until then nothing is on screen, and the first page brings
  // its count along (one request, rows and count on screen together); after, a search's rows
  // come alone, as fast as they can, and its count follows.
  const shown = useRef(false);
  const rows = useInfiniteQuery({
    queryKey: ["assets", filters],
    queryFn: async ({ pageParam, signal }): Promise<AssetPage> => {
      const withCount = !pageParam && !shown.current && queryClient.getQueryData(countKey(filters)) === undefined;
      const first = pageParam ? NEXT_PAGES : FIRST_PAGE;
      const page = await clientFor(signal).assets({ ...filters, first, after: pageParam, totalCount: withCount });
      if (withCount) queryClient.setQueryData(countKey(filters), page.totalCount);
      return page;
    },
    initialPageParam: null as string | null,
    getNextPageParam: (last) => (last.hasNextPage ? last.endCursor : undefined),
    placeholderData: keepPreviousData,
  });
  useEffect(() => {
    if (rows.data) shown.current = true;
  }, [rows.data]);
  // Counted apart from the rows and after them, so the rows never wait for the count (an
  // embedded PGlite answers one query at a time). No rows are asked for: the count alone.
  const rowsReady = !rows.isPending && !rows.isPlaceholderData;
  const search = searchFromFilters(filters);
  const [settled, setSettled] = useState(search);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(search), COUNT_AFTER_MS);
    return () => clearTimeout(timer);
  }, [search]);
  const total = useQuery({
    queryKey: countKey(filters),
    queryFn: async ({ signal }) => (await clientFor(signal).assets({ ...filters, first: 0, totalCount: true })).totalCount,
    placeholderData: keepPreviousData,
    enabled: rowsReady && settled === search,
  });
  return { rows, total };
}
