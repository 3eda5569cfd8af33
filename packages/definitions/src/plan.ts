/**
 * @strata/definitions/plan: the pure functions over manifest data that both sides of a run
 * apply, so the server and a code location agree exactly: which steps a selection means, and
 * what a re-execution runs again. Nothing here touches user code; this entry point is the only
 * part of @strata/definitions the server imports.
 *
 * @example
 * import { resolveSelection } from "@strata/definitions/plan";
 * const { stepKeys } = resolveSelection(manifest, ["complex_asset"]);
 */
export type { Manifest, ManifestAsset, ManifestStep, ManifestStepInput, ManifestStepOutput } from "./manifest.js";
export type { RunEvent, RunEventType, RunEventPayloads, SerializedError } from "./events.js";
export { RUN_EVENT_TYPES } from "./events.js";
export { resolveSelection, selectSteps, SelectionError, type RunSelection, type SelectionErrorCode } from "./selection.js";
/**
 * Finds a cycle in a directed graph (`[a, b, a]`) or returns null; iterative, for graphs of any
 * depth. The server refuses a registered manifest with the same walk `new Definitions` uses.
 * @example
 * findCycle(["a", "b"], (n) => (n === "a" ? ["b"] : ["a"])); // ["a", "b", "a"]
 */
export { findCycle } from "./cycle.js";
export { planReexecution, ReexecutionError, type ReexecutionPlan, type ReexecutionStrategy, type ReexecutionErrorCode } from "./reexecution.js";
