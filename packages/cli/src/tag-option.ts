import { CliError } from "./cli-error.js";

/**
 * The `--tag name=value` flags (repeatable) as a tags object; a later flag for the same name
 * wins. Anything without a name and an `=` is a usage error naming the flag.
 *
 * @example
 * ```ts
 * parseTags(["team=finance", "ticket=DATA-42"]); // { team: "finance", ticket: "DATA-42" }
 * ```
 */
export function parseTags(flags: readonly string[] | undefined): Record<string, string> | undefined {
  if (!flags?.length) return undefined;
  const tags: Record<string, string> = {};
  for (const flag of flags) {
    const at = flag.indexOf("=");
    if (at <= 0) throw new CliError(`--tag "${flag}" must be name=value`, 2);
    tags[flag.slice(0, at)] = flag.slice(at + 1);
  }
  return tags;
}

/** Tags the server sets on re-executions, which `runs list` and `runs show` already show as columns or fields. */
const SHOWN_ELSEWHERE = new Set(["strata/parent_run_id", "strata/root_run_id"]);

/**
 * A run's tags as `name=value` words, for one table cell or line (without the re-execution
 * tags, shown elsewhere).
 *
 * @example
 * ```ts
 * formatTags({ team: "finance" }); // "team=finance"
 * ```
 */
export function formatTags(tags: unknown): string {
  if (!tags || typeof tags !== "object") return "";
  return Object.entries(tags as Record<string, unknown>)
    .filter(([name]) => !SHOWN_ELSEWHERE.has(name))
    .map(([name, value]) => `${name}=${String(value)}`)
    .join(" ");
}
