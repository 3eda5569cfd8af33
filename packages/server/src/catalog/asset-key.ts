import { isAssetKey, NAME_CHARACTERS } from "@strata/protocol";
import { InvalidArgumentError } from "../errors.js";

export { isAssetKey };

/** Returns `value` if it is a valid key, else throws an InvalidArgumentError naming `argument`. */
export function parseAssetKey(value: string, argument = "key"): string {
  if (!isAssetKey(value)) {
    throw new InvalidArgumentError(
      argument,
      `"${value.length > 80 ? `${value.slice(0, 80)}…` : value}" is not an asset key: use parts of ${NAME_CHARACTERS} joined by "/", e.g. "sales/orders"`,
    );
  }
  return value;
}

export function keyPath(key: string): string[] {
  return key.split("/");
}
