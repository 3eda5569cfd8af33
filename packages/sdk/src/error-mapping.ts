import { ClientError } from "graphql-request";
import {
  AssetKeyCollisionError,
  AssetNotPartitionedError,
  BackfillStatusError,
  InvalidArgumentError,
  InvalidManifestError,
  InvalidSelectionError,
  NotFoundError,
  NothingToReexecuteError,
  PartitionInUseError,
  PartitionKeysNotFoundError,
  RunStatusError,
  StrataError,
  StrataRequestError,
  StrataServerError,
  UnauthenticatedError,
  UnauthorizedError,
} from "./errors.js";
import type { StrataErrorFieldsFragment } from "./generated/graphql.js";

/** The run operations' error members (`RunErrorFields` in src/operations/error.fragment.graphql). */
type RunErrorMember =
  | { __typename: "InvalidSelectionError"; message: string; code: string; reason: string; keys: string[] }
  | { __typename: "RunStatusError"; message: string; code: string; runId: string; status: string }
  | { __typename: "NothingToReexecuteError"; message: string; code: string; runId: string }
  // BackfillErrorFields aliases `status` (a String here, an enum on Backfill).
  | { __typename: "BackfillStatusError"; message: string; code: string; backfillId: string; backfillStatus: string };

/** A result-union member implementing the server's `Error` interface, with its fields. */
export type ErrorMember = Exclude<StrataErrorFieldsFragment, { __typename: RunErrorMember["__typename"] }> | RunErrorMember;

/** A GraphQL error as it travels in a response. */
export interface WireGraphQLError {
  message: string;
  extensions?: Record<string, unknown> | undefined;
}

/** The typed error for a result-union member that implements the server's `Error` interface. */
export function errorFromUnionMember(error: ErrorMember | StrataErrorFieldsFragment): StrataError {
  // A run error member reaches here only from operations that select its fields (RunErrorFields).
  const member = error as ErrorMember;
  switch (member.__typename) {
    case "NotFoundError":
      return new NotFoundError(member.message, member.kind, member.key);
    case "UnauthorizedError":
      return new UnauthorizedError(member.message, member.requiredScope);
    case "InvalidArgumentError":
      return new InvalidArgumentError(member.message, member.argument);
    case "InvalidManifestError":
      return new InvalidManifestError(
        member.message,
        member.problems.map(({ path, message, code }) => ({ path, message, code })),
      );
    case "AssetKeyCollisionError":
      return new AssetKeyCollisionError(
        member.message,
        member.locationName,
        member.collisions.map(({ key, definedBy }) => ({ key, definedBy })),
      );
    case "InvalidSelectionError":
      return new InvalidSelectionError(member.message, member.reason, member.keys);
    case "RunStatusError":
      return new RunStatusError(member.message, member.runId, member.status);
    case "NothingToReexecuteError":
      return new NothingToReexecuteError(member.message, member.runId);
    case "BackfillStatusError":
      return new BackfillStatusError(member.message, member.backfillId, member.backfillStatus);
    case "PartitionKeysNotFoundError":
      return new PartitionKeysNotFoundError(member.message, member.keys);
    case "AssetNotPartitionedError":
      return new AssetNotPartitionedError(member.message, member.assetKeys);
    case "PartitionInUseError":
      return new PartitionInUseError(member.message, member.keys, member.runIds);
    default: {
      // A server newer than this SDK may add error types; they still carry message and code.
      const unknown = member as { message: string; code: string };
      return new StrataError(unknown.message, unknown.code);
    }
  }
}

/**
 * The typed error for a response's GraphQL errors (fields without a result union). The first
 * error decides; the rest usually repeat it for sibling fields.
 */
export function errorFromGraphQLErrors(errors: readonly WireGraphQLError[], url: string, status: number | null): StrataError {
  const [first] = errors;
  if (!first) return new StrataRequestError(`HTTP ${status ?? "?"} with an empty error list`, url, status);
  const code = typeof first.extensions?.code === "string" ? first.extensions.code : "GRAPHQL_ERROR";
  const message = first.message;
  switch (code) {
    case "UNAUTHENTICATED":
      return new UnauthenticatedError(message);
    case "FORBIDDEN":
      return new UnauthorizedError(message, null);
    case "BAD_USER_INPUT": {
      // The server's edge checks (text it cannot store, JSON nested too deep) name the argument.
      const argument = first.extensions?.argument;
      return new InvalidArgumentError(message, typeof argument === "string" ? argument : null);
    }
    case "NOT_FOUND":
      return new NotFoundError(message, "", "");
    case "INTERNAL_SERVER_ERROR": {
      const requestId = first.extensions?.requestId;
      return new StrataServerError(message, typeof requestId === "string" ? requestId : null);
    }
    default:
      return new StrataError(message, code);
  }
}

/** Turns whatever a graphql-request call threw into a `StrataError`. */
export function errorFromRequestFailure(error: unknown, url: string): unknown {
  if (error instanceof StrataError) return error;
  if (error instanceof ClientError) {
    const { errors, status } = error.response;
    if (errors?.length) return errorFromGraphQLErrors(errors, url, status);
    return new StrataRequestError(`the server answered HTTP ${status} without a GraphQL response`, url, status, { cause: error });
  }
  if (error instanceof Error && error.name === "AbortError") return error;
  if (error instanceof TypeError || error instanceof SyntaxError) {
    // fetch reports network failures as TypeError("fetch failed") with the reason in `cause`;
    // a non-JSON 200 body surfaces as a SyntaxError.
    return new StrataRequestError(describeNetworkError(error), url, null, { cause: error });
  }
  return error;
}

/** "connect ECONNREFUSED 127.0.0.1:4000" rather than fetch's bare "fetch failed". */
export function describeNetworkError(error: Error): string {
  const cause = error.cause as { message?: string; code?: string } | undefined;
  if (cause?.message) return cause.message;
  if (cause?.code) return cause.code;
  return error.message;
}
