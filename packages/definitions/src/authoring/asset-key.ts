import { isValidName, NAME_CHARACTERS } from "@strata/protocol";
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

export { isValidName } from "@strata/protocol";

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
    if (typeof part !== "string" || !isValidName(part)) {
      throw new DefinitionError(
        "invalid_key",
        culprit,
        `asset key ${JSON.stringify(input)} has an invalid part ${JSON.stringify(part)}; key parts match ${NAME_CHARACTERS}+`,
      );
    }
  }
  return parts;
}

/** Checks a name (asset, op, multi-asset, group) and returns it. @internal */
export function checkName(name: unknown, what: string, culprit: string): string {
  if (typeof name !== "string" || !isValidName(name)) {
    throw new DefinitionError(
      "invalid_name",
      culprit,
      `${what} ${JSON.stringify(name)} is not a valid name; names match ${NAME_CHARACTERS}+`,
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
