import { DefinitionError } from "./definition-error.js";

/**
 * How users may write an asset key: a slash-joined string (`"sales/orders"`) or its parts
 * (`["sales", "orders"]`).
 *
 * @example
 * ```ts
 * const a: AssetKeyInput = "sales/orders";
 * const b: AssetKeyInput = ["sales", "orders"];
 * ```
 */
export type AssetKeyInput = string | readonly string[];

// Key parts travel in URLs, file paths (the filesystem IO manager) and step keys, where "/" and
// "." are separators, so parts are restricted to characters that are safe in all three.
const KEY_PART = /^[A-Za-z0-9_-]+$/;

/** True when `part` may appear in an asset key or be used as an asset, op or group name. */
export function isValidName(part: string): boolean {
  return KEY_PART.test(part);
}

/**
 * Parses a user-written key into its parts, or throws a `DefinitionError` naming `culprit`.
 * @internal
 */
export function parseAssetKey(input: AssetKeyInput, culprit: string): string[] {
  const parts = typeof input === "string" ? input.split("/") : [...input];
  if (parts.length === 0) {
    throw new DefinitionError("invalid_key", culprit, "an asset key needs at least one part");
  }
  for (const part of parts) {
    if (typeof part !== "string" || !KEY_PART.test(part)) {
      throw new DefinitionError(
        "invalid_key",
        culprit,
        `asset key ${JSON.stringify(input)} has an invalid part ${JSON.stringify(part)}; key parts match [A-Za-z0-9_-]+`,
      );
    }
  }
  return parts;
}

/** Checks a name (asset, op, multi-asset, group) and returns it. @internal */
export function checkName(name: unknown, what: string, culprit: string): string {
  if (typeof name !== "string" || !KEY_PART.test(name)) {
    throw new DefinitionError(
      "invalid_name",
      culprit,
      `${what} ${JSON.stringify(name)} is not a valid name; names match [A-Za-z0-9_-]+`,
    );
  }
  return name;
}

/**
 * The display and wire form of a key: its parts joined by "/".
 *
 * @example
 * ```ts
 * assetKeyToString(["sales", "orders"]); // "sales/orders"
 * ```
 */
export function assetKeyToString(key: readonly string[]): string {
  return key.join("/");
}
