import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/**
 * The web UI's built bundle (`@strata/ui`'s dist/), which the server serves at `/`. The CLI, not
 * the server, finds it: the server cannot depend on the UI (the UI's tests start a server), and
 * a server embedded elsewhere needs no UI. Undefined when the package is not installed; a
 * missing dist/ (not built yet) is the server's to explain at `/`.
 *
 * @example
 * ```ts
 * await startServer({ env, uiDir: uiBundleDir() });
 * ```
 */
export function uiBundleDir(): string | undefined {
  try {
    return join(dirname(createRequire(import.meta.url).resolve("@strata/ui/package.json")), "dist");
  } catch {
    return undefined;
  }
}

/** Whether the bundle is built, so the CLI prints the UI's address only when it will answer. */
export function uiBuilt(dir: string | undefined): boolean {
  return dir !== undefined && existsSync(join(dir, "index.html"));
}
