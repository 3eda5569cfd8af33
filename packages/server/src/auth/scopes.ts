import { isLocationName } from "@strata/protocol";
import { InvalidArgumentError } from "../errors.js";

/**
 * What a token may do.
 * - `read`: queries and subscriptions of the catalog, lineage and runs.
 * - `launch`: launch, re-execute and terminate runs, report materializations (implies `read`).
 * - `location:<name>`: register, heartbeat and execute for that code location only.
 * - `admin`: everything, including tokens.
 */
export type Scope = "read" | "launch" | "admin" | `location:${string}`;

export function parseScope(value: string): Scope {
  if (value === "read" || value === "launch" || value === "admin") return value;
  if (value.startsWith("location:") && isLocationName(value.slice("location:".length))) return value as Scope;
  throw new InvalidArgumentError("scopes", `"${value}" is not a scope: use read, launch, admin or location:<name>`);
}

/** Whether `granted` covers `required`. */
export function scopeCovers(granted: ReadonlySet<string>, required: Scope): boolean {
  if (granted.has("admin") || granted.has(required)) return true;
  return required === "read" && granted.has("launch");
}
