import { PlanError } from "../plan/plan-error.js";

/** What went wrong, for programs: each code is a case a caller handles differently. */
export type PartitionErrorCode =
  | "unknown_partition"
  | "timezone_mismatch"
  | "invalid_definition"
  | "nonexistent_upstream"
  | "incompatible_mapping";

/**
 * A partition operation that cannot be answered: a key outside the space, a time-window
 * mapping across time zones, a definition `partitionsProblems` rejects, upstream windows that
 * do not exist.
 *
 * @example
 * ```ts
 * try { space.indexOf(key) ?? throwUnknown(key) } catch (e) {
 *   if (e instanceof PartitionError && e.code === "unknown_partition") return notFound(key);
 *   throw e;
 * }
 * ```
 */
export class PartitionError extends PlanError<PartitionErrorCode> {
  override readonly name = "PartitionError";
}
