import { basename, dirname, extname } from "node:path";

const GENERIC_NAMES = new Set(["defs", "definitions", "index", "main"]);
const LOCATION_NAME = /^[A-Za-z0-9_-]+$/;

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
  const cleaned = chosen.replace(/[^A-Za-z0-9_-]+/g, "-").replace(/^-+|-+$/g, "");
  return cleaned || "default";
}

/** Whether `name` is a valid code location name. */
export function isLocationName(name: string): boolean {
  return LOCATION_NAME.test(name);
}
