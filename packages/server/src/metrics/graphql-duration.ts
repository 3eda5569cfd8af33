import { getOperationAST } from "graphql";
import type { Plugin } from "graphql-yoga";
import type { ServerMetrics } from "./server-metrics.js";

/**
 * Times each executed GraphQL operation into `strata_graphql_request_seconds`: over HTTP from
 * the request's arrival (parsing, validation and authentication included), over a WebSocket
 * from the start of execution. Subscriptions are streams, not requests, and are left out; so
 * are requests refused before execution (they never name a valid operation).
 */
export function useGraphQLDuration(metrics: ServerMetrics): Plugin {
  const arrivals = new WeakMap<Request, number>();
  return {
    onRequest({ request }) {
      arrivals.set(request, performance.now());
    },
    onExecute({ args }) {
      const started = performance.now();
      return {
        onExecuteDone() {
          const request = (args.contextValue as { request?: Request }).request;
          const from = (request && arrivals.get(request)) ?? started;
          const operation = getOperationAST(args.document, args.operationName);
          metrics.graphqlOperation(operation?.name?.value, operation?.operation ?? "query", (performance.now() - from) / 1000);
        },
      };
    },
  };
}
