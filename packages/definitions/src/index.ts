/**
 * `@strata/definitions`: declare data assets in TypeScript and run them.
 *
 * Authoring: `asset`, `multiAsset` + `AssetOut`, `graphAsset` / `graphMultiAsset` + `op`,
 * collected in `new Definitions({ assets })`. Running: `materialize` for tests and scripts,
 * `executeRun` for a code-location worker. The wire contract: `Manifest` and `RunEvent`.
 */
export { asset, AssetDefinition, type AssetOptions, type AssetNaming } from "./asset.js";
export { AssetIn, AssetOutputRef, type InputSource, type InputSources, type InputValues, type DepSource, type Typed, type ValueOf } from "./asset-in.js";
export type { AssetValue, OutputValue } from "./asset-value.js";
export type { AssetAttributes } from "./asset-attributes.js";
export { assetKeyToString, type AssetKeyInput } from "./asset-key.js";
export { AssetsDefinition } from "./assets-definition.js";
export { AssetOut, type AssetOutOptions } from "./asset-out.js";
export { multiAsset, MultiAssetDefinition, type MultiAssetOptions, type MultiAssetValues, type AssetOuts } from "./multi-asset.js";
export { graphAsset, graphMultiAsset, type GraphAssetOptions, type GraphMultiAssetOptions, type GraphInputs, type GraphMultiAssetValues } from "./graph-asset.js";
export { op, type OpDefinition, type OpOptions, type OpInputs, type OpArgs, type OpResult } from "./op.js";
export { OpHandle } from "./graph-builder.js";
export { Definitions, type DefinitionsOptions } from "./definitions.js";
export { DefinitionError, type DefinitionErrorCode } from "./definition-error.js";
export { UserCodeError, type UserCodeKind, type UserCodeSource } from "./user-code-error.js";
export { RetryRequested, Failure } from "./control-flow.js";
export { output, Output, MaterializeResult, type OutputOptions } from "./output.js";
export { MetadataValue, type MetadataEntry, type MetadataInput, type MetadataType, type TableColumn } from "./metadata.js";
export type { RetryPolicy, NormalizedRetryPolicy } from "./retry-policy.js";
export type { AssetContext, MultiAssetContext, OpContext, StepContextBase, Logger, LogLevel } from "./step-context.js";
export {
  defineResource,
  requiredResource,
  ResourceDefinition,
  ResourceRequirement,
  type ResourceContext,
  type ResourceRequirements,
  type ResourceValues,
  type ResourceBinding,
} from "./resource.js";
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
export { materialize, type MaterializeOptions, type InProcessRunResult, type AssetMaterialization } from "./materialize.js";
