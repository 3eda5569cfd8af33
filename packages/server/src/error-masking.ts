import { GraphQLError, type ExecutionResult } from "graphql";
import type { Plugin } from "graphql-yoga";
import type { Context } from "./context.js";
import { asServiceUnavailable } from "./db/connection-loss.js";
import { StrataError } from "./errors.js";
import type { Logger } from "./logger.js";

/**
 * Expected failures are GraphQL types in result unions, or, on fields without one, errors that
 * say what went wrong with a `code`. Anything else thrown is our bug or an outage. Such errors are logged in full with the request id and
 * replaced, before Yoga's own masking, by a generic message carrying that id, so an operator can
 * find the log line from what the client saw.
 */
export function useUnexpectedErrorMasking(logger: Logger): Plugin<Context> {
  const mask = (result: ExecutionResult, context: Context): ExecutionResult => {
    if (!result.errors?.length) return result;
    const errors = result.errors.map((error) => {
      // A dropped database connection surfacing through Prisma is an outage to retry, not our bug.
      const original = asServiceUnavailable(error.originalError) as Error | undefined;
      if (!original || original instanceof GraphQLError) return withCode(error);
      if (original instanceof StrataError) {
        // An expected failure on a field without a result union: say what it was, with the
        // same fields its union type would have had (argument, requiredScope, key...).
        const { name: _name, code, ...fields } = { ...original };
        return new GraphQLError(original.message, {
          path: error.path,
          nodes: error.nodes,
          extensions: { code, ...fields },
        });
      }
      // The client went away mid-request (a superseded search): nobody reads the answer, and
      // what stopped the work was its abort, not a bug, so neither this nor Yoga logs it.
      if (context.request?.signal?.aborted) {
        return new GraphQLError("The client closed the request.", {
          path: error.path,
          nodes: error.nodes,
          extensions: { code: "CLIENT_CLOSED_REQUEST" },
        });
      }
      logger.error("unexpected error", {
        requestId: context.requestId,
        path: error.path?.join("."),
        error: original,
      });
      return new GraphQLError("Unexpected error.", {
        path: error.path,
        nodes: error.nodes,
        extensions: { code: "INTERNAL_SERVER_ERROR", requestId: context.requestId },
      });
    });
    return { ...result, errors };
  };
  return {
    onExecute: ({ args }) => ({
      onExecuteDone: ({ result, setResult }) => {
        if (!(Symbol.asyncIterator in result)) setResult(mask(result, args.contextValue as Context));
      },
    }),
    onSubscribe: ({ args }) => ({
      onSubscribeResult: ({ result, setResult }) => {
        // A subscribe function that throws yields one result instead of a stream.
        if (!(Symbol.asyncIterator in result)) {
          setResult(mask(result, args.contextValue as Context));
          return undefined;
        }
        return { onNext: ({ result: next, setResult: setNext }) => setNext(mask(next, args.contextValue as Context)) };
      },
    }),
  };
}

/**
 * The code an error gets when whoever raised it gave none: graphql-js's variable coercion, a
 * scalar's parse error and Pothos' argument checks are all about what the client sent; an HTTP
 * status of 500 or more, or an error that wraps a non-GraphQL one, is ours.
 */
function defaultCode(error: { extensions?: Record<string, unknown>; originalError?: unknown }): string {
  const status = (error.extensions?.http as { status?: number } | undefined)?.status;
  if (typeof status === "number" && status >= 500) return "INTERNAL_SERVER_ERROR";
  if (error.originalError instanceof Error && !(error.originalError instanceof GraphQLError)) return "INTERNAL_SERVER_ERROR";
  return "BAD_USER_INPUT";
}

function withCode<E extends GraphQLError>(error: E): E {
  if (typeof error.extensions?.code === "string") return error;
  // Yoga's own request checks mark their errors the same way (use-http-validation-error.js).
  (error as { extensions: Record<string, unknown> }).extensions = { ...error.extensions, code: defaultCode(error) };
  return error;
}

/**
 * Every error a client receives carries `extensions.code` (the README promises it): this runs on
 * each response last, after parsing, validation, execution and Yoga's request checks, and gives a
 * code to any error that still has none.
 */
export function useErrorCodes(): Plugin {
  const label = (result: unknown) => {
    const errors = (result as { errors?: unknown }).errors;
    if (Array.isArray(errors)) for (const error of errors) if (error instanceof GraphQLError) withCode(error);
  };
  return {
    onResultProcess: ({ result }) => {
      // A stream's events pass through useUnexpectedErrorMasking, which labels them too.
      if (Symbol.asyncIterator in (result as object)) return;
      if (Array.isArray(result)) result.forEach(label);
      else label(result);
    },
  };
}
