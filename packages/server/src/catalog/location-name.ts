import { isLocationName, MAX_LOCATION_NAME_LENGTH, NAME_CHARACTERS } from "@strata/protocol";
import { InvalidArgumentError } from "../errors.js";

export function parseLocationName(value: string, argument = "name"): string {
  if (!isLocationName(value)) {
    throw new InvalidArgumentError(
      argument,
      `"${value.slice(0, 100)}" is not a code location name: use 1-${MAX_LOCATION_NAME_LENGTH} of ${NAME_CHARACTERS}`,
    );
  }
  return value;
}
