import { createSchema, createYoga, type Plugin } from "graphql-yoga";

/**
 * A yoga server over a small schema (`typeDefs` and its Query resolvers) with the plugins under
 * test, and nothing else: returns a function that posts `query` (with extra headers) to it.
 */
export function pluginTestServer<Context extends object>(options: {
  typeDefs: string;
  query: Record<string, () => unknown>;
  plugins: Plugin<Context>[];
  context?: () => Partial<NoInfer<Context>>;
}): (query: string, headers?: Record<string, string>) => Promise<Response> {
  const yoga = createYoga<object, Context>({
    schema: createSchema({ typeDefs: options.typeDefs, resolvers: { Query: options.query } }),
    // The plugins' own context fields are yoga's; the test supplies the rest (a request id…).
    ...(options.context && { context: options.context as () => Context }),
    plugins: options.plugins,
    logging: false,
  });
  return async (query, headers = {}) =>
    yoga.fetch("http://t/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify({ query }),
    });
}
