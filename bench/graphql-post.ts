/** Posts one operation to an in-process app's fetch and fails loudly on GraphQL errors. */
export async function post(
  fetcher: (url: string, init: RequestInit) => Promise<Response> | Response,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<any> {
  const response = await fetcher("http://bench/graphql", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: unknown; errors?: Array<{ message: string }> };
  if (body.errors?.length) throw new Error(`GraphQL error in benchmark: ${body.errors[0]!.message}`);
  return body.data;
}

/** A fetch for `post` that sends every request to `url` with `token` as its bearer. */
export function bearerFetcher(url: string, token: string): (url: string, init: RequestInit) => Promise<Response> {
  return (_url, init) => fetch(url, { ...init, headers: { ...(init.headers as object), authorization: `Bearer ${token}` } });
}
