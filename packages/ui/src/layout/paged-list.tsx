import type { Page } from "@strata/sdk";
import { type QueryKey, useInfiniteQuery } from "@tanstack/react-query";

/** A list read a page at a time (`after` the previous page's end cursor), its items so far flattened. */
export function usePagedList<T>(
  queryKey: QueryKey,
  page: (after: string | null) => Promise<Page<T>>,
  options: { refetchInterval?: number } = {},
) {
  const query = useInfiniteQuery({
    queryKey,
    queryFn: ({ pageParam }) => page(pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => (last.hasNextPage ? last.endCursor : undefined),
    ...options,
  });
  return { query, items: query.data?.pages.flatMap((p) => p.items) ?? [] };
}

/** The button that reads the next page, while there is one. */
export function LoadMore({ list }: { list: ReturnType<typeof usePagedList>["query"] }) {
  if (!list.hasNextPage) return null;
  return (
    <button type="button" onClick={() => void list.fetchNextPage()} disabled={list.isFetchingNextPage}>
      Load more
    </button>
  );
}

/**
 * The end of a paged list: `empty` once it has loaded and holds no item, then {@link LoadMore}.
 * A list filtered by status says so in `empty`.
 */
export function ListEnd({ list, count, empty }: { list: ReturnType<typeof usePagedList>["query"]; count: number; empty: string }) {
  return (
    <>
      {!list.isPending && count === 0 && <p className="empty">{empty}</p>}
      <LoadMore list={list} />
    </>
  );
}
