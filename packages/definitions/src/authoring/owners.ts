import { isValidName } from "@strata/protocol";
import { DefinitionError } from "./definition-error.js";

// Same shapes Dagster accepts: an email address, or a team written `team:<name>`.
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

/** Checks each owner is an email or `team:<name>`, naming the culprit otherwise. @internal */
export function checkOwners(owners: readonly string[] | undefined, culprit: string): string[] {
  if (owners === undefined) return [];
  if (!Array.isArray(owners)) throw new DefinitionError("invalid_owner", culprit, "owners must be an array of strings");
  for (const owner of owners) {
    if (typeof owner !== "string" || !(EMAIL.test(owner) || (owner.startsWith("team:") && isValidName(owner.slice(5))))) {
      throw new DefinitionError("invalid_owner", culprit, `owner ${JSON.stringify(owner)} is neither an email address nor "team:<name>"`);
    }
  }
  return [...owners];
}
