/**
 * `@strata/definitions`: declare data assets in TypeScript and run them.
 *
 * Authoring: `asset`, `multiAsset` + `AssetOut`, `graphAsset` / `graphMultiAsset` + `op`,
 * collected in `new Definitions({ assets, schedules })` with `schedule(...)`; partitions (`dailyPartitions`…), partition
 * mappings (`timeWindowMapping`…) and backfill policies (`singleRun`, `multiRun`). Running: `materialize` for tests and scripts,
 * `executeRun` for a code-location worker. The wire contract: `Manifest` and `RunEvent`.
 */
export { asset, SingleAssetDefinition, type AssetOptions } from "./authoring/asset.js";
// Helper types appear in the inferred types of users' exported definitions, so they must be
// nameable from here (TS2742 otherwise).
export { AssetIn, AssetOutputRef, type ValueOf, type InputValues, type MappedInput } from "./authoring/asset-in.js";
export type { AssetAttributes, FreshnessInput } from "./authoring/asset-attributes.js";
export { AutomationCondition, type AutomationConditionNode } from "@strata/protocol";
export { assetKeyToString, type AssetKeyInput } from "./authoring/asset-key.js";
export { AssetsDefinition } from "./authoring/assets-definition.js";
export { AssetOut, type AssetOutOptions } from "./authoring/asset-out.js";
export { multiAsset, MultiAssetDefinition, type MultiAssetOptions, type MultiAssetValues } from "./authoring/multi-asset.js";
export {
  graphAsset,
  graphMultiAsset,
  type GraphAssetOptions,
  type GraphMultiAssetOptions,
  type GraphMultiAssetValues,
  type GraphInputs,
} from "./authoring/graph-asset.js";
export { op, type OpDefinition, type OpOptions, type OpInputs, type OpArgs, type OpResult } from "./authoring/op.js";
export { OpHandle } from "./authoring/graph-builder.js";
export { Definitions, type DefinitionsOptions } from "./authoring/definitions.js";
export {
  schedule,
  type ScheduleContext,
  ScheduleDefinition,
  type ScheduleEvaluation,
  type ScheduleFunction,
  type ScheduleFunctionOptions,
  type ScheduleOptions,
  type SkipReason,
} from "./authoring/schedule.js";
export {
  type RunRequest,
  sensor,
  type SensorContext,
  SensorDefinition,
  type SensorFunction,
  type SensorOptions,
  type SensorResult,
} from "./authoring/sensor.js";
export {
  dailyPartitions,
  dynamicPartitions,
  hourlyPartitions,
  monthlyPartitions,
  multiPartitions,
  staticPartitions,
  timeWindowPartitions,
  weeklyPartitions,
  type CronPartitionsOptions,
  type DailyPartitionsOptions,
  type HourlyPartitionsOptions,
  type MonthlyPartitionsOptions,
  type PartitioningOptions,
  type TimeWindowOptions,
  type WeeklyPartitionsOptions,
} from "./authoring/partitions.js";
export {
  allPartitionsMapping,
  identityMapping,
  lastPartitionMapping,
  multiPartitionMapping,
  multiToSingleMapping,
  specificPartitionsMapping,
  staticPartitionMapping,
  timeWindowMapping,
  type TimeWindowMappingOptions,
} from "./authoring/partition-mapping.js";
export { multiRun, singleRun } from "./authoring/backfill-policy.js";
export type {
  BackfillPolicy,
  DimensionPartitionMapping,
  DynamicPartitions,
  MultiPartitions,
  PartitionMapping,
  PartitionsDefinition,
  StaticPartitions,
  TimeWindowPartitions,
} from "@strata/protocol";
export { DefinitionError, type DefinitionErrorCode } from "./authoring/definition-error.js";
export { UserCodeError, type UserCodeSource } from "./execution/user-code-error.js";
export { RetryRequested, Failure } from "./authoring/control-flow.js";
export { output, Output, MaterializeResult, type OutputOptions } from "./authoring/output.js";
export { checkResult, CheckResult, checkSpec, type CheckResultInput, type CheckSpec, type CheckSpecOptions } from "./authoring/checks.js";
export { assetCheck, AssetCheckDefinition, type AssetCheckOptions, type CheckContext } from "./authoring/asset-check.js";
export { MetadataValue, type MetadataEntry, type MetadataInput, type MetadataType, type TableColumn } from "./authoring/metadata.js";
export type { RetryPolicy } from "./authoring/retry-policy.js";
export type { AssetContext, MultiAssetContext, OpContext, Logger, LogLevel, PartitionContext } from "./authoring/step-context.js";
export { defineResource, requiredResource, ResourceDefinition, ResourceRequirement, type ResourceContext } from "./authoring/resource.js";
export { DEFAULT_IO_MANAGER_KEY, type IOManager, type InputContext, type OutputContext, type OutputLocation } from "./io/io-manager.js";
export { FilesystemIOManager, type FilesystemIOManagerOptions } from "./io/filesystem-io-manager.js";
export { InMemoryIOManager } from "./io/in-memory-io-manager.js";
export { loadPartitions, valuesByPartition } from "./io/partitioned-values.js";
export { jsonSerializer, type Serializer } from "./io/serializer.js";
export type { Manifest, ManifestAsset, ManifestStep, ManifestStepInput, ManifestStepOutput } from "@strata/protocol";
export {
  RUN_EVENT_TYPES,
  type RunEvent,
  type RunEventType,
  type RunEventPayloads,
  type EventSink,
  type SerializedError,
} from "./execution/events.js";
export { systemClock, type Clock } from "./execution/clock.js";
export { resolveSelection, selectSteps, SelectionError, type RunSelection, type SelectionErrorCode } from "@strata/protocol";
export {
  planReexecution,
  ReexecutionError,
  type ReexecutionPlan,
  type ReexecutionStrategy,
  type ReexecutionErrorCode,
} from "@strata/protocol";
export { executeRun, type ExecuteRunOptions, type RunOutcome, type RunStatus, type AssetSelector } from "./execution/run-executor.js";
export type { PlannedRun } from "./execution/planned-run.js";
export type { PartitionRequest } from "./execution/run-partitions.js";
export { RunPartitionsError, type RunPartitionsErrorCode } from "./execution/run-partitions-error.js";
export type { StepState } from "./execution/scheduler.js";
export {
  materialize,
  type MaterializeOptions,
  type InProcessRunResult,
  type AssetMaterialization,
  type AssetCheckEvaluation,
} from "./execution/materialize.js";
