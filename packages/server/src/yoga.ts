import { randomUUID } from "node:crypto";
import { costLimitPlugin } from "@escape.tech/graphql-armor-cost-limit";
import { maxAliasesPlugin } from "@escape.tech/graphql-armor-max-aliases";
import { maxDepthPlugin } from "@escape.tech/graphql-armor-max-depth";
import { maxTokensPlugin } from "@escape.tech/graphql-armor-max-tokens";
import { createYoga, type YogaServerInstance } from "graphql-yoga";
import { authenticate, type AuthMode } from "./auth/authenticate.js";
import type { StrataContext } from "./context.js";
import type { Database } from "./db/database.js";
import { useUnexpectedErrorMasking } from "./error-masking.js";
import { renderBundledGraphiQL } from "./graphiql.js";
import type { Logger } from "./logger.js";
import type { StrataPubSub } from "./pubsub/pubsub.js";
import type { RunService } from "./runs/run-service.js";
import { schema } from "./schema/index.js";

export interface StrataYogaOptions {
  db: Database;
  logger: Logger;
  pubsub: StrataPubSub;
  auth: AuthMode;
  runs: RunService;
  /** Serve GraphiQL at the endpoint (on by default). */
  graphiql?: boolean;
}

export type StrataYoga = YogaServerInstance<Record<string, never>, StrataContext>;

/** Bounds on one operation, so no query can ask for unbounded work. */
// Cost: 1 a scalar, 2 an object, times 1.5 per level, times a literal `first`: a full page of 500
// assets with their definitions and latest materialization costs ~42,000; a page of runs with
// nested pages of materializations costs millions.
export const QUERY_LIMITS = { maxDepth: 15, maxCost: 100_000, maxAliases: 30, maxTokens: 5_000 } as const;

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
  return createYoga<Record<string, never>, StrataContext>({
    schema,
    graphqlEndpoint: "/graphql",
    graphiql: options.graphiql ?? true,
    // Served from node_modules, not a CDN: GraphiQL works without internet.
    renderGraphiQL: renderBundledGraphiQL,
    landingPage: false,
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
      requestId: request.headers.get("x-request-id") ?? randomUUID(),
    }),
    plugins: [
      maxDepthPlugin({ n: QUERY_LIMITS.maxDepth }),
      costLimitPlugin({ maxCost: QUERY_LIMITS.maxCost }),
      maxAliasesPlugin({ n: QUERY_LIMITS.maxAliases }),
      maxTokensPlugin({ n: QUERY_LIMITS.maxTokens }),
      useUnexpectedErrorMasking(logger),
    ],
  });
}
