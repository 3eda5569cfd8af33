/**
 * `@strata/definitions`: declare data assets in TypeScript and run them.
 *
 * Authoring: `asset`, `multiAsset` + `AssetOut`, `graphAsset` / `graphMultiAsset` + `op`,
 * collected in `new Definitions({ assets })`. Running: `materialize` for tests and scripts,
 * `executeRun` for a code-location worker. The wire contract: `Manifest` and `RunEvent`.
 */
export { asset, AssetDefinition, type AssetOptions } from "./asset.js";
// Helper types appear in the inferred types of users' exported definitions, so they must be
// nameable from here (TS2742 otherwise).
export { AssetIn, AssetOutputRef, type ValueOf, type InputValues } from "./asset-in.js";
export type { AssetAttributes } from "./asset-attributes.js";
export { assetKeyToString, type AssetKeyInput } from "./asset-key.js";
export { AssetsDefinition } from "./assets-definition.js";
export { AssetOut, type AssetOutOptions } from "./asset-out.js";
export { multiAsset, MultiAssetDefinition, type MultiAssetOptions, type MultiAssetValues } from "./multi-asset.js";
export { graphAsset, graphMultiAsset, type GraphAssetOptions, type GraphMultiAssetOptions, type GraphMultiAssetValues, type GraphInputs } from "./graph-asset.js";
export { op, type OpDefinition, type OpOptions, type OpInputs, type OpArgs, type OpResult } from "./op.js";
export { OpHandle } from "./graph-builder.js";
export { Definitions, type DefinitionsOptions } from "./definitions.js";
export { DefinitionError, type DefinitionErrorCode } from "./definition-error.js";
export { UserCodeError, type UserCodeSource } from "./user-code-error.js";
export { RetryRequested, Failure } from "./control-flow.js";
export { output, Output, MaterializeResult, type OutputOptions } from "./output.js";
export { MetadataValue, type MetadataEntry, type MetadataInput, type MetadataType, type TableColumn } from "./metadata.js";
export type { RetryPolicy } from "./retry-policy.js";
export type { AssetContext, MultiAssetContext, OpContext, Logger, LogLevel } from "./step-context.js";
export { defineResource, requiredResource, ResourceDefinition, ResourceRequirement, type ResourceContext } from "./resource.js";
export { DEFAULT_IO_MANAGER_KEY, type IOManager, type InputContext, type OutputContext, type OutputLocation } from "./io-manager.js";
export { FilesystemIOManager, type FilesystemIOManagerOptions } from "./filesystem-io-manager.js";
export { InMemoryIOManager } from "./in-memory-io-manager.js";
export { jsonSerializer, type Serializer } from "./serializer.js";
export type { Manifest, ManifestAsset, ManifestStep, ManifestStepInput, ManifestStepOutput } from "./manifest.js";
export { RUN_EVENT_TYPES, type RunEvent, type RunEventType, type RunEventPayloads, type EventSink, type SerializedError } from "./events.js";
export { systemClock, type Clock } from "./clock.js";
export { resolveSelection, selectSteps, SelectionError, type RunSelection, type SelectionErrorCode } from "./selection.js";
export { planReexecution, ReexecutionError, type ReexecutionPlan, type ReexecutionStrategy, type ReexecutionErrorCode } from "./reexecution.js";
export { executeRun, type ExecuteRunOptions, type RunOutcome, type RunStatus, type AssetSelector } from "./run-executor.js";
export type { PlannedRun } from "./planned-run.js";
export type { StepState } from "./scheduler.js";
export { materialize, type MaterializeOptions, type InProcessRunResult, type AssetMaterialization } from "./materialize.js";
