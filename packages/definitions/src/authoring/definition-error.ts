/**
 * What was wrong with a definition. Each code names one rule, so tools (and tests) can react
 * to the kind of mistake without parsing messages.
 *
 * @example
 * ```ts
 * const fixable: DefinitionErrorCode[] = ["missing_resource", "missing_io_manager"];
 * ```
 */
export type DefinitionErrorCode =
  | "invalid_name"
  | "invalid_key"
  | "invalid_owner"
  | "invalid_tag"
  | "invalid_option"
  | "duplicate_key"
  | "duplicate_step_key"
  | "cycle"
  | "self_dependency"
  | "missing_upstream"
  | "unwired_op"
  | "missing_resource"
  | "missing_io_manager"
  | "invalid_graph"
  | "op_outside_graph"
  | "invalid_partitions"
  | "invalid_schedule"
  | "invalid_sensor";

/**
 * Thrown at definition time (when `asset(...)`, `graphAsset(...)` or `new Definitions(...)`
 * runs) for a definition that could never execute correctly. `culprit` names the asset, op or
 * graph at fault, so the message points at the line to fix.
 *
 * @example
 * ```ts
 * try {
 *   new Definitions({ assets: [a, aAgain] });
 * } catch (error) {
 *   if (error instanceof DefinitionError && error.code === "duplicate_key") console.error(error.culprit);
 * }
 * ```
 */
export class DefinitionError extends Error {
  override readonly name = "DefinitionError";
  readonly code: DefinitionErrorCode;
  /** The definition at fault, e.g. `asset "sales/orders"` or `op "complex_asset.step_two"`. */
  readonly culprit: string;

  constructor(code: DefinitionErrorCode, culprit: string, detail: string, options?: { cause?: unknown }) {
    super(`${culprit}: ${detail}`, options);
    this.code = code;
    this.culprit = culprit;
  }
}
