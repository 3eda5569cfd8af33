/**
 * One page of a list the server pages forwards: pass `endCursor` as `after` for the next.
 *
 * @example
 * ```ts
 * let page = await client.assets({ first: 100 });
 * while (page.hasNextPage) page = await client.assets({ first: 100, after: page.endCursor });
 * ```
 */
export interface Page<T> {
  items: T[];
  hasNextPage: boolean;
  endCursor: string | null;
}

/** What a paged query selects of a GraphQL connection: its nodes and `PageInfoFields`. @internal */
export interface Connection<T> {
  edges: ReadonlyArray<{ node: T }>;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/** A GraphQL connection's nodes and page info as a {@link Page}. */
export function toPage<T>(connection: Connection<T>): Page<T> {
  return {
    items: connection.edges.map((edge) => edge.node),
    hasNextPage: connection.pageInfo.hasNextPage,
    endCursor: connection.pageInfo.endCursor,
  };
}
