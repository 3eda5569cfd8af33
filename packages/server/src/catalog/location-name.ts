import { InvalidArgumentError } from "../errors.js";

const LOCATION_NAME = /^[A-Za-z0-9_-]{1,100}$/;

export function parseLocationName(value: string, argument = "name"): string {
  if (!LOCATION_NAME.test(value)) {
    throw new InvalidArgumentError(argument, `"${value.slice(0, 100)}" is not a code location name: use 1-100 of [A-Za-z0-9_-]`);
  }
  return value;
}
