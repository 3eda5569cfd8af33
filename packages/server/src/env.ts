import { resolve } from "node:path";
import { z } from "zod";
import { DEFAULT_AUTOMATION_INTERVAL_MS } from "./automation/automation-service.js";
import { DEFAULT_SCHEDULE_MAX_CATCHUP } from "./automation/schedule-tick.js";
import { DEFAULT_MAX_SUBSCRIPTIONS_PER_TOKEN } from "./pubsub/subscription-budget.js";
import { defaultRunConfig, tagLimitsSchema, type RunConfig } from "./runs/run-config.js";
import { defaultRetentionConfig, type RetentionConfig } from "./retention/retention-job.js";

/**
 * The server's configuration from the environment, parsed once at start-up. Explicit options
 * passed to `createServer` win over these; these win over the defaults.
 */
const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().min(1).default("localhost"),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "DATABASE_URL must be a postgres:// or postgresql:// URL")
    .optional(),
  STRATA_HOME: z.string().min(1).default(".strata"),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, "REDIS_URL must be a redis:// or rediss:// URL")
    .optional(),
  STRATA_LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
  STRATA_MAX_CONCURRENT_RUNS: z.coerce.number().int().min(0).default(defaultRunConfig.maxConcurrentRuns),
  STRATA_TAG_CONCURRENCY_LIMITS: z
    .string()
    .transform((text, ctx) => {
      try {
        return tagLimitsSchema.parse(JSON.parse(text));
      } catch {
        ctx.addIssue({ code: "custom", message: 'must be JSON like [{"key":"db","value":"warehouse","limit":2}]' });
        return z.NEVER;
      }
    })
    .optional(),
  STRATA_RUN_LEASE_SECONDS: z.coerce.number().int().min(1).max(3600).default(defaultRunConfig.leaseSeconds),
  STRATA_RUN_START_TIMEOUT_SECONDS: z.coerce.number().int().min(1).default(defaultRunConfig.startTimeoutSeconds),
  STRATA_BACKFILL_RUNS_AHEAD: z.coerce.number().int().min(1).default(defaultRunConfig.backfillRunsAhead),
  /** How often each code location's automation conditions are evaluated. */
  STRATA_AUTOMATION_INTERVAL_MS: z.coerce.number().int().min(100).default(DEFAULT_AUTOMATION_INTERVAL_MS),
  /** How many missed instants a schedule launches after downtime (the newest ones). */
  STRATA_SCHEDULE_MAX_CATCHUP: z.coerce.number().int().min(1).max(1000).default(DEFAULT_SCHEDULE_MAX_CATCHUP),
  STRATA_MAX_SUBSCRIPTIONS_PER_TOKEN: z.coerce.number().int().min(1).default(DEFAULT_MAX_SUBSCRIPTIONS_PER_TOKEN),
  /** A secret a Prometheus scraper sends as a bearer token to read /metrics without an API token. */
  STRATA_METRICS_TOKEN: z.string().min(16, "STRATA_METRICS_TOKEN must be at least 16 characters").optional(),
  /** Set: spans are exported over OTLP/HTTP to it (the exporter reads the other OTEL_* variables). Unset: OpenTelemetry is not loaded. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  OTEL_SERVICE_NAME: z.string().min(1).optional(),
  /** Set: run events of runs ended more than this many days ago are purged, asset history kept (off by default). */
  STRATA_RETENTION_RUN_EVENTS_DAYS: z.coerce.number().int().min(1).optional(),
  /** Set: SKIPPED automation ticks older than this many days are deleted. */
  STRATA_RETENTION_SKIPPED_TICKS_DAYS: z.coerce.number().int().min(1).optional(),
  /** Set: SUCCESS and FAILURE automation ticks older than this many days are deleted. */
  STRATA_RETENTION_TICKS_DAYS: z.coerce.number().int().min(1).optional(),
  /** Set: runs ended more than this many days ago that recorded nothing are deleted. */
  STRATA_RETENTION_EMPTY_RUNS_DAYS: z.coerce.number().int().min(1).optional(),
  STRATA_RETENTION_INTERVAL_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .default(defaultRetentionConfig.intervalMs / 60_000),
  /** Events per DELETE statement. */
  STRATA_RETENTION_BATCH_ROWS: z.coerce.number().int().min(100).max(10_000).default(defaultRetentionConfig.batchRows),
});

export type Env = z.infer<typeof schema> & {
  /** PGlite's data directory when DATABASE_URL is unset: `$STRATA_HOME/db`. */
  readonly pgliteDir: string;
  readonly runs: RunConfig;
  readonly retention: RetentionConfig;
};

export class EnvError extends Error {
  override readonly name = "EnvError";
}

/** Parses `source` (default `process.env`); throws an `EnvError` naming every bad variable. */
export function parseEnv(source: Record<string, string | undefined> = process.env): Env {
  const result = schema.safeParse(Object.fromEntries(Object.entries(source).filter(([, value]) => value !== undefined && value !== "")));
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new EnvError(`Invalid environment: ${problems.join("; ")}`);
  }
  const data = result.data;
  return {
    ...data,
    pgliteDir: resolve(data.STRATA_HOME, "db"),
    runs: {
      ...defaultRunConfig,
      maxConcurrentRuns: data.STRATA_MAX_CONCURRENT_RUNS,
      tagConcurrencyLimits: data.STRATA_TAG_CONCURRENCY_LIMITS ?? [],
      leaseSeconds: data.STRATA_RUN_LEASE_SECONDS,
      startTimeoutSeconds: data.STRATA_RUN_START_TIMEOUT_SECONDS,
      backfillRunsAhead: data.STRATA_BACKFILL_RUNS_AHEAD,
    },
    retention: {
      runEventsDays: data.STRATA_RETENTION_RUN_EVENTS_DAYS ?? null,
      skippedTicksDays: data.STRATA_RETENTION_SKIPPED_TICKS_DAYS ?? null,
      ticksDays: data.STRATA_RETENTION_TICKS_DAYS ?? null,
      emptyRunsDays: data.STRATA_RETENTION_EMPTY_RUNS_DAYS ?? null,
      intervalMs: data.STRATA_RETENTION_INTERVAL_MINUTES * 60_000,
      batchRows: data.STRATA_RETENTION_BATCH_ROWS,
    },
  };
}
