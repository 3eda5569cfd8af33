/**
 * @strata/server: the GraphQL service. Embedders (the `strata` CLI, tests) start it with
 * `startServer`; `createStrataYoga` gives the app without a socket.
 */
export { openDatabase, type Database, type DatabaseOptions } from "./db/database.js";
export { acquireDataDirLock, DatabaseInUseError, type DataDirLock, type LockHolder } from "./db/data-dir-lock.js";
export { applyMigrations, readMigrations, MigrationError, type MigrationReport } from "./db/migrator.js";
export { parseEnv, EnvError, type Env } from "./env.js";
export { createLogger, type Logger, type LogLevel } from "./logger.js";
export { printStrataSchema, schema } from "./schema/index.js";
export { startServer, type StrataServer, type StrataServerOptions } from "./server.js";
export { STRATA_VERSION } from "./version.js";
export { createStrataYoga, type StrataYoga } from "./yoga.js";
export { createStrataPubSub, type StrataPubSub } from "./pubsub/pubsub.js";
export { RunService } from "./runs/run-service.js";
export { defaultRunConfig, type RunConfig } from "./runs/run-config.js";
export { runRetentionOnce, RetentionJob, type RetentionConfig, type RetentionReport } from "./retention/retention-job.js";
export { previewRunEventPurge, purgeRunEvents, PURGED_RUN_EVENT_TYPES, type RunEventPurgeReport } from "./retention/run-event-purge.js";
export { previewAutomationTickPurge, previewEmptyRunPurge } from "./retention/history-purge.js";
export { createToken, listTokens, revokeToken, type CreatedToken } from "./auth/tokens.js";
export type { AuthMode } from "./auth/authenticate.js";
export { registerCodeLocation, registrationsSettled } from "./catalog/register.js";
export { manifestHash } from "./catalog/manifest.js";
export { drainSyncRefresh, SyncRefresher } from "./sync/sync-refresher.js";
