import { isLocationName, MAX_LOCATION_NAME_LENGTH, NAME_CHARACTERS } from "@strata/protocol";
import { type Principal, requireScope } from "../auth/principal.js";
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

/**
 * `value` as a code location's name, once `principal` may act as that location (its
 * `location:<name>` scope): what every operation a location's own process calls checks first.
 */
export function requireLocationScope(principal: Principal, value: string, argument = "name"): string {
  const name = parseLocationName(value, argument);
  requireScope(principal, `location:${name}`);
  return name;
}
