/**
 * Node.js module hooks (registered by `trackImportedFiles`, run on Node's loader thread): after
 * tsx has resolved an import, post the file's URL to the location process, so `strata dev` can
 * watch every local file the definitions import, outside their directory too.
 */
import type { MessagePort } from "node:worker_threads";

type NextResolve = (specifier: string, context: unknown) => Promise<{ url: string }>;

let port: MessagePort | undefined;

export function initialize(data: { port: MessagePort }): void {
  port = data.port;
}

export async function resolve(specifier: string, context: unknown, nextResolve: NextResolve): Promise<{ url: string }> {
  const resolved = await nextResolve(specifier, context);
  // Installed packages change with `npm install`, not with an edit worth a reload.
  if (resolved.url.startsWith("file:") && !resolved.url.includes("/node_modules/")) port?.postMessage(resolved.url);
  return resolved;
}
