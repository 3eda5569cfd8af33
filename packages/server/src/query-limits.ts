import { maxAliasesPlugin } from "@escape.tech/graphql-armor-max-aliases";
import { maxDepthPlugin } from "@escape.tech/graphql-armor-max-depth";
import { maxTokensPlugin } from "@escape.tech/graphql-armor-max-tokens";
import { getOperationAST, GraphQLError, type ExecutionArgs } from "graphql";
import type { Plugin } from "graphql-yoga";
import { operationCost, QUERY_LIMITS } from "./query-cost.js";
import { refuseBeforeExecution } from "./refuse-before-execution.js";

type Limit = "depth" | "aliases" | "cost" | "tokens";

/**
 * A refused operation: `QUERY_LIMIT_EXCEEDED`, naming the limit. HTTP 400 under
 * `application/graphql-response+json`, as GraphQL-over-HTTP wants for a request that fails
 * validation (`spec`: 200 under plain `application/json`, where that spec wants 200).
 */
function limitError(limit: Limit, max: number, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "QUERY_LIMIT_EXCEEDED", limit, max, http: { status: 400, spec: true } } });
}

/** graphql-armor reports "Syntax Error: <what>"; what it says is right, the prefix is not. */
const armorMessage = (error: GraphQLError) => error.message.replace(/^Syntax Error: /, "");

/**
 * The bounds on one operation (QUERY_LIMITS). Depth, aliases and tokens are graphql-armor's
 * checks, reported as typed validation (or parse) errors; cost is computed per request with its
 * variables (query-cost.ts).
 */
export function useQueryLimits(): Plugin[] {
  // An operation without variables costs the same every time (yoga caches parsed documents, so
  // the same query string is the same node): computed once.
  const constantCosts = new WeakMap<object, number>();
  const costError = (args: ExecutionArgs): GraphQLError | null => {
    const operation = getOperationAST(args.document, args.operationName);
    if (!operation) return null;
    const constant = !operation.variableDefinitions?.length;
    let cost = constant ? constantCosts.get(operation) : undefined;
    if (cost === undefined) {
      cost = operationCost(args.document, operation, (args.variableValues ?? {}) as Record<string, unknown>);
      if (constant) constantCosts.set(operation, cost);
    }
    if (cost <= QUERY_LIMITS.maxCost) return null;
    return limitError(
      "cost",
      QUERY_LIMITS.maxCost,
      `Query cost limit of ${QUERY_LIMITS.maxCost} exceeded, found ${cost}: ask for smaller pages (first/last) or fewer nested lists.`,
    );
  };
  return [
    maxDepthPlugin({
      n: QUERY_LIMITS.maxDepth,
      propagateOnRejection: false,
      onReject: [(context, error) => context?.reportError(limitError("depth", QUERY_LIMITS.maxDepth, armorMessage(error)))],
    }),
    maxAliasesPlugin({
      n: QUERY_LIMITS.maxAliases,
      propagateOnRejection: false,
      onReject: [(context, error) => context?.reportError(limitError("aliases", QUERY_LIMITS.maxAliases, armorMessage(error)))],
    }),
    maxTokensPlugin({
      n: QUERY_LIMITS.maxTokens,
      // The parser has no validation context to report into: throwing ends the parse.
      onReject: [
        (_context, error) => {
          throw limitError("tokens", QUERY_LIMITS.maxTokens, armorMessage(error));
        },
      ],
    }),
    refuseBeforeExecution(costError),
  ];
}
