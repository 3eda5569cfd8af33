import { InvalidArgumentError } from "../errors.js";

/**
 * Asset keys travel slash-joined ("sales/orders"). Parts are [A-Za-z0-9_-]+, so "/" never occurs
 * inside one and the joined string is unambiguous.
 */
export const ASSET_KEY_PATTERN = /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/;
export const MAX_ASSET_KEY_LENGTH = 1024;

export function isAssetKey(value: string): boolean {
  return value.length <= MAX_ASSET_KEY_LENGTH && ASSET_KEY_PATTERN.test(value);
}

/** Returns `value` if it is a valid key, else throws an InvalidArgumentError naming `argument`. */
export function parseAssetKey(value: string, argument = "key"): string {
  if (!isAssetKey(value)) {
    throw new InvalidArgumentError(
      argument,
      `"${value.length > 80 ? `${value.slice(0, 80)}…` : value}" is not an asset key: use parts of [A-Za-z0-9_-] joined by "/", e.g. "sales/orders"`,
    );
  }
  return value;
}

export function keyPath(key: string): string[] {
  return key.split("/");
}
