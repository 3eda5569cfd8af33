import { register } from "node:module";
import { fileURLToPath } from "node:url";
import { MessageChannel } from "node:worker_threads";

/**
 * Calls `onFile` once with the path of each local file (not in node_modules) this process
 * imports from now on, as Node resolves it through tsx: the module graph of the definitions
 * file, which `strata dev` watches.
 *
 * @example
 * ```ts
 * trackImportedFiles((file) => process.send?.({ type: "imported", file }));
 * await import(defsUrl);
 * ```
 */
export function trackImportedFiles(onFile: (file: string) => void): void {
  const { port1, port2 } = new MessageChannel();
  const seen = new Set<string>();
  port1.on("message", (url: string) => {
    if (seen.has(url)) return;
    seen.add(url);
    onFile(fileURLToPath(url));
  });
  // The channel must not keep the process alive.
  port1.unref();
  register(new URL("./import-hooks.js", import.meta.url), { data: { port: port2 }, transferList: [port2] });
}
