/**
 * What is wrong with a run's partitions, for programs: each code is a case a caller handles
 * differently.
 *
 * @example
 * ```ts
 * const userMistakes: RunPartitionsErrorCode[] = ["unknown_partition", "not_partitioned"];
 * ```
 */
export type RunPartitionsErrorCode =
  /** A key (or a range end) the selected assets' partitions do not have. */
  | "unknown_partition"
  /** A partition was given, but nothing selected is partitioned. */
  | "not_partitioned"
  /** A partitioned asset was selected without a partition. */
  | "missing_partition"
  /** Selected assets are partitioned differently: one run covers one definition. */
  | "mixed_partitions"
  /** A range whose first key comes after its last, or both a key and a range. */
  | "invalid_range"
  /** An input's mapping cannot be evaluated for this run (upstream windows that do not exist, zones that differ). */
  | "invalid_mapping";

/**
 * Thrown by `materialize` and `executeRun` before a run starts (no event is emitted) when its
 * partitions do not fit the selection.
 *
 * @example
 * ```ts
 * try {
 *   await materialize(defs, { partition: "2023-12-31" });
 * } catch (error) {
 *   if (error instanceof RunPartitionsError && error.code === "unknown_partition") console.error(error.message);
 * }
 * ```
 */
export class RunPartitionsError extends Error {
  override readonly name = "RunPartitionsError";
  readonly code: RunPartitionsErrorCode;

  constructor(code: RunPartitionsErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
