import type { AssetPage } from "@strata/sdk";
import { keepPreviousData, useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { useStrata } from "../api/strata-provider.js";
import type { CatalogFilters } from "./catalog-filters.js";

// The first page is small so the first rows come back fast; later pages are larger so a long
// scroll needs few round trips.
const FIRST_PAGE = 100;
const NEXT_PAGES = 300;

/**
 * The catalog's rows for `filters`, page by page as the list scrolls. The previous result stays
 * on screen while a new search runs (no flash of an empty list), and a stale search's request is
 * aborted as soon as the filters change.
 */
export function useCatalog(filters: CatalogFilters) {
  const { clientFor } = useStrata();
  const rows = useInfiniteQuery({
    queryKey: ["assets", filters],
    queryFn: ({ pageParam, signal }): Promise<AssetPage> =>
      clientFor(signal).assets({ ...filters, first: pageParam ? NEXT_PAGES : FIRST_PAGE, after: pageParam }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => (last.hasNextPage ? last.endCursor : undefined),
    placeholderData: keepPreviousData,
  });
  // Counted apart from the rows and after them, so the rows never wait for the count (an
  // embedded PGlite answers one query at a time).
  const rowsReady = !rows.isPending && !rows.isPlaceholderData;
  const total = useQuery({
    queryKey: ["assets-count", filters],
    queryFn: async ({ signal }) => (await clientFor(signal).assets({ ...filters, first: 1, totalCount: true })).totalCount,
    placeholderData: keepPreviousData,
    enabled: rowsReady,
  });
  return { rows, total };
}
