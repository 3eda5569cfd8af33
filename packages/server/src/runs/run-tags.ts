import { isTagKey, TAG_KEY_CHARACTERS } from "@strata/protocol";
import { InvalidArgumentError } from "../errors.js";

/** Tags are a flat object of strings; `strata/priority` (an integer) orders the queue. */
export const PRIORITY_TAG = "strata/priority";

export function parseTags(value: unknown, argument = "tags"): Record<string, string> {
  if (value === null || value === undefined) return {};
  if (typeof value !== "object" || Array.isArray(value))
    throw new InvalidArgumentError(argument, "must be an object of tag name → string value");
  const tags: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) {
    if (!isTagKey(key)) throw new InvalidArgumentError(argument, `"${key}" is not a tag name: use 1-255 of ${TAG_KEY_CHARACTERS}`);
    if (typeof v !== "string" || v.length > 1024)
      throw new InvalidArgumentError(argument, `tag "${key}" must have a string value of at most 1,024 characters`);
    tags[key] = v;
  }
  return tags;
}

export function priorityOf(tags: Record<string, string>): number {
  const raw = tags[PRIORITY_TAG];
  if (raw === undefined) return 0;
  const priority = Number(raw);
  if (!Number.isInteger(priority) || Math.abs(priority) > 1_000_000) {
    throw new InvalidArgumentError("tags", `${PRIORITY_TAG} must be an integer from -1000000 to 1000000, not "${raw}"`);
  }
  return priority;
}

export function tagPairs(tags: Record<string, string>): string[] {
  return Object.entries(tags).map(([k, v]) => `${k}=${v}`);
}
