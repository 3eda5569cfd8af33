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
 * try {
 *   upstreamRanges(mapping, downstream, range, upstream);
 * } catch (error) {
 *   if (error instanceof PartitionError && error.code === "timezone_mismatch") return invalidMapping(error.message);
 *   throw error;
 * }
 * ```
 */
export class PartitionError extends PlanError<PartitionErrorCode> {
  override readonly name = "PartitionError";
}
