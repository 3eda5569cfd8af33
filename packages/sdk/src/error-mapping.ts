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

/** A result-union error member of one type. */
type Member<N extends ErrorMember["__typename"]> = Extract<ErrorMember, { __typename: N }>;

/** The typed error of each error member this SDK knows, from the member's fields. */
const ERROR_OF_MEMBER: { [N in ErrorMember["__typename"]]?: (member: Member<N>) => StrataError } = {
  NotFoundError: (m) => new NotFoundError(m.message, m.kind, m.key),
  UnauthorizedError: (m) => new UnauthorizedError(m.message, m.requiredScope),
  InvalidArgumentError: (m) => new InvalidArgumentError(m.message, m.argument),
  InvalidManifestError: (m) =>
    new InvalidManifestError(
      m.message,
      m.problems.map(({ path, message, code }) => ({ path, message, code })),
    ),
  AssetKeyCollisionError: (m) =>
    new AssetKeyCollisionError(
      m.message,
      m.locationName,
      m.collisions.map(({ key, definedBy }) => ({ key, definedBy })),
    ),
  InvalidSelectionError: (m) => new InvalidSelectionError(m.message, m.reason, m.keys),
  RunStatusError: (m) => new RunStatusError(m.message, m.runId, m.status),
  NothingToReexecuteError: (m) => new NothingToReexecuteError(m.message, m.runId),
  BackfillStatusError: (m) => new BackfillStatusError(m.message, m.backfillId, m.backfillStatus),
  PartitionKeysNotFoundError: (m) => new PartitionKeysNotFoundError(m.message, m.keys),
  AssetNotPartitionedError: (m) => new AssetNotPartitionedError(m.message, m.assetKeys),
  PartitionInUseError: (m) => new PartitionInUseError(m.message, m.keys, m.runIds),
};

/** The typed error for a result-union member that implements the server's `Error` interface. */
export function errorFromUnionMember(error: ErrorMember | StrataErrorFieldsFragment): StrataError {
  // A run error member reaches here only from operations that select its fields (RunErrorFields).
  const member = error as ErrorMember;
  const errorOf = ERROR_OF_MEMBER[member.__typename] as ((member: ErrorMember) => StrataError) | undefined;
  // A server newer than this SDK may add error types; they still carry message and code.
  return errorOf ? errorOf(member) : new StrataError(member.message, member.code);
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
