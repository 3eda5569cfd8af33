import { z } from "zod";

/**
 * The one rule for names on the wire: asset key parts, asset/op/group names, code location
 * names. Key parts travel in URLs, file paths (the filesystem IO manager) and step keys, where
 * "/" and "." are separators, so they are limited to characters safe in all three.
 */
export const NAME_CHARACTERS = "[A-Za-z0-9_-]";
const NAME = /^[A-Za-z0-9_-]+$/;

/** An asset key on the wire: name parts joined by "/", e.g. "sales/orders". */
export const ASSET_KEY_PATTERN = /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/;

/** Length limits, in characters. */
export const MAX_ASSET_KEY_LENGTH = 1024;
export const MAX_NAME_LENGTH = 255;
export const MAX_LOCATION_NAME_LENGTH = 100;

/**
 * True when `part` may be an asset key part, or an asset, op, group or location name.
 *
 * @example
 * ```ts
 * isValidName("daily_orders"); // true
 * isValidName("daily.orders"); // false
 * ```
 */
export function isValidName(part: string): boolean {
  return NAME.test(part) && part.length <= MAX_NAME_LENGTH;
}

/**
 * True when `key` is a slash-joined asset key.
 *
 * @example
 * ```ts
 * isAssetKey("sales/orders"); // true
 * isAssetKey("sales//orders"); // false
 * ```
 */
export function isAssetKey(key: string): boolean {
  return key.length <= MAX_ASSET_KEY_LENGTH && ASSET_KEY_PATTERN.test(key);
}

/**
 * `text` made into a name: every run of other characters becomes "-", without leading or
 * trailing "-" (possibly empty).
 *
 * @example
 * ```ts
 * toName("my pipelines.v2"); // "my-pipelines-v2"
 * ```
 */
export function toName(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]+/g, "-").replace(/^-+|-+$/g, "");
}

/** True when `name` is a code location name (1-100 name characters). */
export function isLocationName(name: string): boolean {
  return NAME.test(name) && name.length <= MAX_LOCATION_NAME_LENGTH;
}

/** Tag names (asset tags and run tags): 1-255 of `[A-Za-z0-9_./-]`. */
export const TAG_KEY_CHARACTERS = "[A-Za-z0-9_./-]";
export function isTagKey(key: string): boolean {
  return /^[A-Za-z0-9_./-]{1,255}$/.test(key);
}

/** Worker ids: 1-200 of `[A-Za-z0-9_.:-]` (the default is `<host>:<pid>:<random>`). */
export const WORKER_ID_CHARACTERS = "[A-Za-z0-9_.:-]";
export function isWorkerId(id: string): boolean {
  return /^[A-Za-z0-9_.:-]{1,200}$/.test(id);
}

/** Zod schemas for the rules above, with the messages the server sends back. */
export const assetKeySchema = z
  .string()
  .max(MAX_ASSET_KEY_LENGTH)
  .regex(ASSET_KEY_PATTERN, `must be parts of ${NAME_CHARACTERS} joined by "/"`);
export const nameSchema = z.string().min(1).max(MAX_NAME_LENGTH).regex(NAME, `must be ${NAME_CHARACTERS}+`);
