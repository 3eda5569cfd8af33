import { createYoga, type YogaServerInstance } from "graphql-yoga";
import { authenticate, type AuthMode } from "./auth/authenticate.js";
import type { StrataContext } from "./context.js";
import type { Database } from "./db/database.js";
import { useErrorCodes, useUnexpectedErrorMasking } from "./error-masking.js";
import { renderBundledGraphiQL } from "./graphiql.js";
import { useInputGuard } from "./input-guard.js";
import type { Logger } from "./logger.js";
import { useGraphQLDuration } from "./metrics/graphql-duration.js";
import { METRICS_PATH, useMetricsEndpoint } from "./metrics/metrics-endpoint.js";
import type { StrataPubSub } from "./pubsub/pubsub.js";
import type { RunService } from "./runs/run-service.js";
import { useQueryLimits } from "./query-limits.js";
import { MAX_REQUEST_BODY_BYTES, useRequestBodyLimit } from "./request-body-limit.js";
import { requestIdOf, useRequestId } from "./request-id.js";
import { schema } from "./schema/index.js";
import { useLeanLists } from "./schema/lean-lists.js";
import { serverTracing } from "./tracing/tracing.js";
import { useUiAssets } from "./ui-assets.js";

export interface StrataYogaOptions {
  db: Database;
  logger: Logger;
  pubsub: StrataPubSub;
  auth: AuthMode;
  runs: RunService;
  /** A secret that may read `/metrics` in place of an API token (STRATA_METRICS_TOKEN). */
  metricsToken?: string;
  /** Serve GraphiQL at the endpoint (on by default). */
  graphiql?: boolean;
  /** The web UI's built bundle, served at `/` (see ui-assets.ts); absent: no UI. */
  uiDir?: string | undefined;
  /** The largest request body read, in bytes (default MAX_REQUEST_BODY_BYTES, 25 MB). */
  maxRequestBodyBytes?: number;
}

export type StrataYoga = YogaServerInstance<Record<string, never>, StrataContext>;

/**
 * The GraphQL app, without a listening socket: tests call `yoga.fetch(...)`, `server.ts` mounts
 * it on a port.
 *
 * @example
 * const yoga = createStrataYoga({ db, logger, pubsub, runs, auth: "required" });
 * const response = await yoga.fetch("http://strata/graphql", {
 *   method: "POST",
 *   headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
 *   body: JSON.stringify({ query: "{ health { version } }" }),
 * });
 */
export function createStrataYoga(options: StrataYogaOptions): StrataYoga {
  const { db, logger } = options;
  const tracing = serverTracing().plugin;
  return createYoga<Record<string, never>, StrataContext>({
    schema,
    graphqlEndpoint: "/graphql",
    graphiql: options.graphiql ?? true,
    // Served from node_modules, not a CDN: GraphiQL works without internet.
    renderGraphiQL: renderBundledGraphiQL,
    landingPage: false,
    // Our own limit (request-body-limit.ts) counts only bodies that do not declare their length.
    maxRequestBodySize: false,
    // Yoga attaches a masked error's original message and stack when NODE_ENV=development; they
    // name files, hosts and databases, so never send them. The full error is logged.
    maskedErrors: { isDev: false },
    logging: {
      debug: (...args) => logger.debug(String(args[0]), { details: args.slice(1) }),
      info: (...args) => logger.info(String(args[0]), { details: args.slice(1) }),
      warn: (...args) => logger.warn(String(args[0]), { details: args.slice(1) }),
      error: (...args) => logger.error(String(args[0]), { details: args.slice(1) }),
    },
    context: async ({ request }) => ({
      db,
      pubsub: options.pubsub.pubsub,
      runs: options.runs,
      principal: await authenticate(db.sql, options.auth, request.headers.get("authorization")),
      requestId: requestIdOf(request),
    }),
    plugins: [
      // Before anything logs: every line of the request carries its id.
      useRequestId(),
      // A span per operation when OTEL_EXPORTER_OTLP_ENDPOINT is set (server.ts starts tracing before this).
      ...(tracing ? [tracing] : []),
      // First, so a request is timed from its arrival; /metrics answers before the GraphQL endpoint.
      useGraphQLDuration(options.runs.metrics),
      useMetricsEndpoint({ metrics: options.runs.metrics, sql: db.sql, auth: options.auth, metricsToken: options.metricsToken, logger }),
      ...(options.uiDir ? [useUiAssets({ dir: options.uiDir, reserved: ["/graphql", METRICS_PATH] })] : []),
      useRequestBodyLimit(options.maxRequestBodyBytes ?? MAX_REQUEST_BODY_BYTES),
      ...useQueryLimits(),
      useInputGuard(),
      useUnexpectedErrorMasking(logger),
      useErrorCodes(),
      useLeanLists(),
    ],
  });
}
