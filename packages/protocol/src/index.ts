/**
 * @strata/protocol: Strata's wire contract, each part defined once. Zod schemas with the types
 * inferred from them for the manifest a code location registers and the events a run reports;
 * the rules for asset keys and names; run and step statuses with their terminal set; canonical
 * JSON (hashes: `@strata/protocol/hash`); and the pure planner both sides of a run apply (which
 * steps a selection means, what a re-execution runs again). Pure: no I/O, no other Strata package.
 * Beside it: `@strata/protocol/delta` (a manifest as a delta from one the server has) and
 * `@strata/protocol/text-gzip` (a large text gzipped a slice at a time, as both sides compress it).
 *
 * @example
 * ```ts
 * import { manifestSchema, resolveSelection } from "@strata/protocol";
 * const manifest = manifestSchema.parse(json);
 * const { stepKeys } = resolveSelection(manifest, ["complex_asset"]);
 * ```
 */
export { canonicalJson } from "./canonical-json.js";
export {
  canonicalFields,
  canonicalItem,
  joinCanonicalFields,
  splitCanonicalText,
  writeCanonicalJson,
  type CanonicalField,
} from "./canonical-json-pieces.js";
export {
  DIGEST_LENGTH,
  deltaSegment,
  manifestDelta,
  type DeltaRange,
  type ManifestBase,
  type ManifestDelta,
  type ManifestDigests,
} from "./manifest-delta.js";
export { manifestDeltaSchema } from "./manifest-delta-schema.js";
export {
  ASSET_KEY_PATTERN,
  assetKeySchema,
  isAssetKey,
  isLocationName,
  isValidName,
  MAX_ASSET_KEY_LENGTH,
  MAX_LOCATION_NAME_LENGTH,
  MAX_NAME_LENGTH,
  NAME_CHARACTERS,
  nameSchema,
  isTagKey,
  isWorkerId,
  TAG_KEY_CHARACTERS,
  toName,
  WORKER_ID_CHARACTERS,
} from "./names.js";
export { METADATA_TYPES, metadataEntrySchema, metadataSchema, type MetadataEntry, type MetadataType } from "./metadata.js";
export { serializedErrorSchema, type SerializedError } from "./serialized-error.js";
export {
  isPlainRecord,
  isRunEventType,
  LOG_LEVELS,
  nullableText,
  parseRunEventPayload,
  RUN_EVENT_TYPES,
  RUN_FAILURE_REASONS,
  type RunFailureReason,
  runEventPayloadSchemas,
  type LogLevel,
  type RunEvent,
  type RunEventPayloads,
  type RunEventType,
} from "./events.js";
export {
  isTerminalRunStatus,
  RUN_STATUSES,
  STEP_STATUSES,
  TERMINAL_EVENT_FOR_STATUS,
  TERMINAL_RUN_STATUSES,
  terminalStatusOf,
  type RunStatus,
  type StepStatus,
  type TerminalRunEventType,
  type TerminalRunStatus,
} from "./run-status.js";
export {
  COMPACT_MANIFEST_VERSION,
  compactManifest,
  compactManifestItem,
  FIELDS_OMITTED_AT_DEFAULT,
  isCompactVersion,
  manifestCanonicalJson,
} from "./manifest-compact.js";
export {
  MANIFEST_VERSION,
  MANIFEST_LISTS,
  MAX_MANIFEST_ASSETS,
  manifestAssetSchema,
  manifestItemSchemas,
  manifestOfParsedAssetsAndStepsSchema,
  manifestOfParsedAssetsSchema,
  manifestOfParsedItemsSchema,
  manifestSchema,
  manifestVersionFor,
  manifestStepInputSchema,
  manifestStepOutputSchema,
  manifestStepSchema,
  retryPolicySchema,
  SUPPORTED_MANIFEST_VERSIONS,
  type Manifest,
  type ManifestAsset,
  type ManifestListName,
  type ManifestStep,
  type ManifestStepInput,
  type ManifestStepOutput,
  type RetryPolicySpec,
} from "./manifest.js";
export {
  DEFAULT_DATE_FORMAT,
  DEFAULT_HOURLY_FORMAT,
  dynamicPartitionsSchema,
  MAX_MULTI_DIMENSIONS,
  MAX_PARTITION_KEY_LENGTH,
  MIN_MULTI_DIMENSIONS,
  MULTI_KEY_DELIMITER,
  multiPartitionsSchema,
  partitionKeySchema,
  partitionsDefinitionSchema,
  RESERVED_KEY_CHARACTERS,
  staticPartitionsSchema,
  timeWindowCron,
  timeWindowPartitionsSchema,
  type DimensionPartitions,
  type DynamicPartitions,
  type MultiPartitions,
  type PartitionsDefinition,
  type StaticPartitions,
  type TimeWindowPartitions,
  type TimeWindowSchedule,
} from "./partitions/definition.js";
export {
  dimensionMappingSchema,
  inferPartitionMapping,
  partitionMappingSchema,
  sharedDimension,
  type DimensionPartitionMapping,
  type PartitionMapping,
} from "./partitions/mapping.js";
export { upstreamRanges, type UpstreamPartitions } from "./partitions/upstream-ranges.js";
export { backfillPolicySchema, type BackfillPolicy } from "./partitions/backfill-policy.js";
export { PartitionError, type PartitionErrorCode } from "./partitions/partition-error.js";
export { partitionsProblems, type PartitionsProblem } from "./partitions/problems.js";
export {
  partitionSpace,
  type IndexRange,
  type PartitionDimension,
  type PartitionSpace,
  type PartitionsContext,
  type TimeWindow,
} from "./partitions/space.js";
export { chunkRanges, intersectRanges, mergeRanges, rangesCount, subtractRanges, toRanges } from "./partitions/ranges.js";
export { findCycle, findIndexedCycle, topologicalOrder } from "./plan/cycle.js";
export { selfDependencyProblem } from "./plan/self-dependency.js";
export {
  checksOfRun,
  resolveSelection,
  selectChecks,
  selectSteps,
  SelectionError,
  type RunSelection,
  type SelectionErrorCode,
} from "./plan/selection.js";
export {
  evaluateFreshness,
  FRESHNESS_STATES,
  freshnessPolicySchema,
  type FreshnessPolicy,
  type FreshnessState,
} from "./freshness.js";
export {
  CHECK_KEY_PATTERN,
  CHECK_SEVERITIES,
  checkKey,
  checkKeySchema,
  manifestCheckSchema,
  parseCheckKey,
  type CheckSeverity,
  type ManifestCheck,
} from "./checks.js";
export {
  planReexecution,
  ReexecutionError,
  type ReexecutionErrorCode,
  type ReexecutionPlan,
  type ReexecutionStrategy,
} from "./plan/reexecution.js";
export {
  AUTOMATION_OPERANDS,
  AUTOMATION_OPERATORS,
  automationConditionSchema,
  flattenCondition,
  nodeId,
  type AutomationArgs,
  type AutomationConditionNode,
  type AutomationOp,
} from "./automation/condition.js";
export { AutomationCondition } from "./automation/builder.js";
export { AUTOMATION_TICK_TAG } from "./automation/run-tags.js";
export {
  DEFAULT_SCHEDULE_TIMEOUT_MS,
  MAX_SCHEDULE_TIMEOUT_MS,
  manifestScheduleSchema,
  scheduleStatusSchema,
  type ManifestSchedule,
  type ScheduleStatus,
} from "./schedules/schedule.js";
export { scheduleTickResultSchema, type ScheduleTickResult, type ScheduleTickResultInput } from "./schedules/tick-result.js";
export { scheduleProblems } from "./schedules/problems.js";
export {
  DEFAULT_SENSOR_INTERVAL_MS,
  DEFAULT_SENSOR_TIMEOUT_MS,
  MAX_SENSOR_CURSOR_LENGTH,
  MAX_SENSOR_RUN_REQUESTS,
  MAX_SENSOR_TIMEOUT_MS,
  type ManifestSensor,
  manifestSensorSchema,
  type SensorRunRequest,
  sensorProblems,
  type SensorTickResult,
  type SensorTickResultInput,
  sensorRunRequestSchema,
  sensorTickResultSchema,
} from "./sensors/sensor.js";
export { nextScheduledInstant, scheduledInstants } from "./schedules/instants.js";
export {
  evaluateAutomationTick,
  evaluateAutomationTickInSteps,
  evaluationNodes,
  type AutomationGraph,
  type AutomationStatesRead,
  idleAssetState,
  lastCronTick,
  type AutomationAssetState,
  type AutomationCursor,
  type AutomationEvaluation,
  type AutomationNodeResult,
  type AutomationTreeNode,
  type AutomationTick,
  type AutomationTickResult,
} from "./automation/evaluate.js";
export {
  syncResolver,
  type SyncAsset,
  type SyncCause,
  type SyncCauseCategory,
  type SyncState,
  type SyncStatus,
} from "./sync-status.js";
