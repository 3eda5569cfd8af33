import { randomUUID } from "node:crypto";
import { createYoga, type YogaServerInstance } from "graphql-yoga";
import type { Context, StrataContext } from "./context.js";
import type { Database } from "./db/database.js";
import { useUnexpectedErrorMasking } from "./error-masking.js";
import type { Logger } from "./logger.js";
import { schema } from "./schema/index.js";

export interface StrataYogaOptions {
  db: Database;
  logger: Logger;
  /** Serve GraphiQL at the endpoint (on by default). */
  graphiql?: boolean;
}

export type StrataYoga = YogaServerInstance<Record<string, never>, StrataContext>;

/**
 * The GraphQL app, without a listening socket: tests call `yoga.fetch(...)`, `main.ts` mounts
 * it on a port.
 *
 * @example
 * const yoga = createStrataYoga({ db, logger });
 * const response = await yoga.fetch("http://strata/graphql", {
 *   method: "POST",
 *   headers: { "content-type": "application/json" },
 *   body: JSON.stringify({ query: "{ health { version } }" }),
 * });
 */
export function createStrataYoga(options: StrataYogaOptions): StrataYoga {
  const { db, logger } = options;
  return createYoga<Record<string, never>, StrataContext>({
    schema,
    graphqlEndpoint: "/graphql",
    graphiql: options.graphiql ?? true,
    landingPage: false,
    logging: {
      debug: (...args) => logger.debug(String(args[0]), { details: args.slice(1) }),
      info: (...args) => logger.info(String(args[0]), { details: args.slice(1) }),
      warn: (...args) => logger.warn(String(args[0]), { details: args.slice(1) }),
      error: (...args) => logger.error(String(args[0]), { details: args.slice(1) }),
    },
    context: ({ request }) => ({
      db,
      requestId: request.headers.get("x-request-id") ?? randomUUID(),
    }),
    plugins: [useUnexpectedErrorMasking(logger)],
  });
}
