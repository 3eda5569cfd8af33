import { isLocationName, toName } from "@strata/protocol";
import { basename, dirname, extname } from "node:path";

const GENERIC_NAMES = new Set(["defs", "definitions", "index", "main"]);

/**
 * The code location's default name for a definitions file: the file's name, or its directory's
 * for generic file names (`examples/quickstart/defs.ts` → `quickstart`), with characters a
 * location name cannot hold turned into `-`.
 *
 * @example
 * ```ts
 * defaultLocationName("/repo/sales/defs.ts"); // "sales"
 * defaultLocationName("/repo/pipelines/billing.ts"); // "billing"
 * ```
 */
export function defaultLocationName(defsPath: string): string {
  const file = basename(defsPath, extname(defsPath));
  const chosen = GENERIC_NAMES.has(file) ? basename(dirname(defsPath)) : file;
  const cleaned = toName(chosen);
  return cleaned || "default";
}

/** Whether `name` is a valid code location name. */
export { isLocationName };
