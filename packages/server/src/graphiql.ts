import { renderGraphiQL } from "@graphql-yoga/render-graphiql";
import type { GraphiQLOptions } from "graphql-yoga";

let rendered: { key: string; page: string } | undefined;

/**
 * GraphiQL with its scripts, styles and editor workers inlined from `@graphql-yoga/render-graphiql`
 * in node_modules. Yoga's default page loads them from a CDN, so on a machine without internet
 * (or behind a proxy) it stays blank. The page is ~9 MB; it is built once per set of options.
 */
export function renderBundledGraphiQL(options: GraphiQLOptions): string {
  const key = JSON.stringify(options);
  if (rendered?.key !== key) rendered = { key, page: renderGraphiQL(options) };
  return rendered.page;
}
