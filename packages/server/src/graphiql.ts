import type { GraphiQLOptions } from "graphql-yoga";

let rendered: { key: string; page: string } | undefined;

/**
 * GraphiQL with its scripts, styles and editor workers inlined from `@graphql-yoga/render-graphiql`
 * in node_modules. Yoga's default page loads them from a CDN, so on a machine without internet
 * (or behind a proxy) it stays blank. The page is ~9 MB; it is built once per set of options.
 *
 * The renderer is imported on the first page asked for, not with the server: its module is that
 * ~9 MB of source, which took ~0.4 s of every server start to read and compile (a third of the
 * server's whole import) for a page many starts never serve.
 */
export async function renderBundledGraphiQL(options: GraphiQLOptions): Promise<string> {
  const key = JSON.stringify(options);
  if (rendered?.key !== key) {
    const { renderGraphiQL } = await import("@graphql-yoga/render-graphiql");
    rendered = { key, page: renderGraphiQL(options) };
  }
  return rendered.page;
}
