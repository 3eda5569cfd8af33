/**
 * Asset checks on the wire (Dagster's `AssetCheckSpec` and `AssetCheckResult`). A check is named
 * by its check key, `<asset key>#<name>` ("sales/orders#no_nulls"): "#" is in neither rule, so a
 * check key never looks like an asset key or a step key. A check is data in the manifest; its
 * function runs in the code location, inside the asset's own step (a result yielded by the
 * asset, write-audit-publish) or in a check step of its own that reads the asset's value.
 */
import { z } from "zod";
import { assetKeySchema, isAssetKey, isValidName, nameSchema } from "./names.js";

/** `<asset key>#<check name>`, e.g. "sales/orders#no_nulls". */
export const CHECK_KEY_PATTERN = /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*#[A-Za-z0-9_-]+$/;

export const checkKeySchema = z
  .string()
  .max(1024 + 1 + 255)
  .regex(CHECK_KEY_PATTERN, 'must be "<asset key>#<check name>", e.g. "sales/orders#no_nulls"');

/** ERROR fails the check (and, when blocking, stops what is downstream); WARN only warns. */
export const CHECK_SEVERITIES = ["WARN", "ERROR"] as const;
export type CheckSeverity = (typeof CHECK_SEVERITIES)[number];

/**
 * The check key of `name` on `assetKey`.
 *
 * @example
 * ```ts
 * checkKey("sales/orders", "no_nulls"); // "sales/orders#no_nulls"
 * ```
 */
export function checkKey(assetKey: string, name: string): string {
  return `${assetKey}#${name}`;
}

/**
 * A check key's asset key and name, or `null` when `key` is not a check key.
 *
 * @example
 * ```ts
 * parseCheckKey("sales/orders#no_nulls"); // { assetKey: "sales/orders", name: "no_nulls" }
 * ```
 */
export function parseCheckKey(key: string): { assetKey: string; name: string } | null {
  const at = key.lastIndexOf("#");
  if (at < 0) return null;
  const assetKey = key.slice(0, at);
  const name = key.slice(at + 1);
  return isAssetKey(assetKey) && isValidName(name) ? { assetKey, name } : null;
}

/** One check of the location, in the manifest's `checks` (sorted by key). */
export const manifestCheckSchema = z.object({
  /** `<asset key>#<name>`. */
  key: checkKeySchema,
  assetKey: assetKeySchema,
  name: nameSchema,
  description: z.string().max(100_000).nullable(),
  /**
   * A blocking check that fails with ERROR, or throws, skips every step downstream of its asset
   * in the run, and the run fails (`BLOCKING_CHECK_FAILED`). WARN never blocks.
   */
  blocking: z.boolean(),
  /**
   * The step that evaluates it: the asset's own step for a check the asset yields, or a check
   * step of its own (kind "check", reading the asset's value) that runs after the asset's step.
   */
  stepKey: z.string().min(1).max(1024),
});

/**
 * @example
 * ```ts
 * const blocking = manifest.checks.filter((c: ManifestCheck) => c.blocking);
 * ```
 */
export type ManifestCheck = z.output<typeof manifestCheckSchema>;
