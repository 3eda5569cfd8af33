import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import type { serve } from "@strata/definitions/runtime";

/** `serve` from @strata/definitions/runtime. */
export type Serve = typeof serve;

/**
 * The code-location runtime (`serve` from @strata/definitions/runtime) that matches the
 * definitions file: the copy its own project resolves, so the runtime executes a Definitions
 * object built by the same version. Falls back to the CLI's copy when the project has none.
 *
 * @example
 * ```ts
 * const serve = await runtimeFor("/repo/defs.ts");
 * await serve(defs, { server, token, name, signal });
 * ```
 */
export async function runtimeFor(defsPath: string): Promise<Serve> {
  let specifier = "@strata/definitions/runtime";
  try {
    specifier = pathToFileURL(createRequire(defsPath).resolve("@strata/definitions/runtime")).href;
  } catch {
    // Not resolvable from the user's project: use the CLI's own dependency.
  }
  const runtime = (await import(specifier)) as { serve: Serve };
  return runtime.serve;
}
