/**
 * @strata/sdk: a typed client for Strata's GraphQL API, generated with graphql-codegen from the
 * server's schema. Methods return plain data and throw a `StrataError` subclass on failure;
 * subscriptions are async iterables that reconnect by themselves.
 *
 * @example
 * ```ts
 * import { createClient } from "@strata/sdk";
 * const client = createClient({ url: "http://localhost:4000/graphql", token: process.env.STRATA_TOKEN });
 * for await (const change of client.codeLocationChanged()) console.log(change.name, change.change);
 * ```
 */
export { createClient, type StrataClient } from "./client.js";
export type { ClientOptions } from "./client-connection.js";
export type { Health } from "./health.js";
export type {
  AssetSummary,
  AssetDetail,
  AssetFilter,
  AssetsOptions,
  AssetPage,
  AssetOptions,
  Lineage,
  LineageLayout,
  LineageStates,
  LineageOptions,
  CatalogMethods,
} from "./catalog.js";
export type { AssetSyncStatus, SyncCause, SyncCauseCategory, SyncState, FreshnessState } from "./sync-status.js";
export type { AssetFreshness, FreshnessMethods } from "./freshness.js";
export type { FreshnessPolicy } from "@strata/protocol";
export type {
  CodeLocation,
  CodeLocationDetail,
  RegisterCodeLocationInput,
  RegisterCodeLocationResult,
  RegisterCodeLocationSummary,
  CodeLocationMethods,
} from "./code-locations.js";
export type { Materialization, ReportMaterializationInput, MaterializationMethods } from "./materializations.js";
export type {
  AssetCheck,
  AssetCheckExecution,
  AssetCheckHealth,
  AssetCheckSeverity,
  CheckMethods,
  ReportCheckResultInput,
} from "./checks.js";
export type { ApiToken, CreatedToken, CreateTokenInput, TokenMethods } from "./tokens.js";
export type { RunEventPayloads } from "@strata/protocol";
export type { RunEventType } from "./generated/graphql.js";
export type {
  LaunchRunInput,
  Run,
  RunDetail,
  RunEvent,
  RunPlanPreview,
  RunStatusChange,
  RunStatus,
  ReexecutionStrategy,
  RunsOptions,
  RunMethods,
} from "./runs.js";
export type { Page } from "./page.js";
export type { PartitionStatusReport, DynamicPartitions, PartitionMethods } from "./partitions.js";
export type {
  Backfill,
  BackfillDetail,
  BackfillFilter,
  BackfillMethods,
  BackfillPreview,
  BackfillStatus,
  LaunchBackfillInput,
} from "./backfills.js";
export type {
  AssetAutomation,
  AutomationDryRun,
  AutomationEvaluation,
  AutomationInstigator,
  AutomationMethods,
  AutomationTick,
  AutomationTickStatus,
} from "./automation.js";
export type {
  LocationAutomation,
  Schedule,
  ScheduleMethods,
  ScheduleStatus,
  ScheduleWithTicks,
  Sensor,
  SensorWithTicks,
} from "./schedules.js";
export type { CodeLocationChange, SubscriptionMethods } from "./subscriptions/subscription-methods.js";
export type { StrataSubscription, SubscribeOptions, SubscriptionStatus } from "./subscriptions/reconnecting-subscription.js";
export { backoffDelay, type BackoffOptions, type ReconnectOptions } from "./subscriptions/backoff.js";
export {
  StrataError,
  NotFoundError,
  UnauthorizedError,
  UnauthenticatedError,
  InvalidArgumentError,
  InvalidManifestError,
  AssetKeyCollisionError,
  InvalidSelectionError,
  RunStatusError,
  BackfillStatusError,
  NothingToReexecuteError,
  PartitionKeysNotFoundError,
  AssetNotPartitionedError,
  PartitionInUseError,
  StrataServerError,
  StrataRequestError,
  isRetryable,
  type ManifestProblem,
  type AssetKeyCollision,
} from "./errors.js";
export {
  createWorkerClient,
  type WorkerClient,
  type ClaimedRun,
  type ClaimedSensorTick,
  type SensorTickReport,
  type ClaimedScheduleTick,
  type ScheduleTickReport,
  type RunReport,
  type RunRequest,
  type WorkerRunEvent,
} from "./worker-client.js";
