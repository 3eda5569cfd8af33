/**
 * The SDK's one error policy: every client method returns plain data or throws a
 * `StrataError`. Expected failures the server describes (a result-union member implementing
 * its `Error` interface, or a GraphQL error with `extensions.code`) become the subclass named
 * after the server's error type, carrying its fields; a request that never got a GraphQL
 * answer becomes a `StrataRequestError`. So one `instanceof` check tells a caller what went
 * wrong, and `code` is the server's own code.
 */

/** Options every Strata error accepts. @internal */
interface ErrorOptions {
  cause?: unknown;
}

/**
 * Base class of every error the SDK throws. `code` is the server's code (`NOT_FOUND`,
 * `FORBIDDEN`, `BAD_USER_INPUT`, `INVALID_MANIFEST`, `ASSET_KEY_COLLISION`, `UNAUTHENTICATED`,
 * `INTERNAL_SERVER_ERROR`...) or `REQUEST_FAILED` for transport failures.
 *
 * @example
 * ```ts
 * try {
 *   await client.asset("sales/orders");
 * } catch (error) {
 *   if (error instanceof StrataError) console.error(`${error.code}: ${error.message}`);
 *   else throw error;
 * }
 * ```
 */
export class StrataError extends Error {
  override name = "StrataError";
  constructor(
    message: string,
    readonly code: string,
    options: ErrorOptions = {},
  ) {
    super(message, options);
  }
}

/**
 * Nothing has that key or name (`code` `NOT_FOUND`).
 *
 * @example
 * ```ts
 * const asset = await client.asset(key).catch((e) => (e instanceof NotFoundError ? null : Promise.reject(e)));
 * ```
 */
export class NotFoundError extends StrataError {
  override name = "NotFoundError";
  constructor(
    message: string,
    /** What was looked for: "asset", "code location", "token"... */
    readonly kind: string,
    /** The key or name that matched nothing. */
    readonly key: string,
  ) {
    super(message, "NOT_FOUND");
  }
}

/**
 * The token (or its absence) does not allow this (`code` `FORBIDDEN`).
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof UnauthorizedError) console.error(`needs scope ${e.requiredScope}`); }
 * ```
 */
export class UnauthorizedError extends StrataError {
  override name = "UnauthorizedError";
  constructor(
    message: string,
    /** The scope that would allow it; null when the server did not say (fields without a result union). */
    readonly requiredScope: string | null,
  ) {
    super(message, "FORBIDDEN");
  }
}

/**
 * The token is malformed, unknown, revoked or expired: the server refused the whole request
 * with HTTP 401 (`code` `UNAUTHENTICATED`).
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof UnauthenticatedError) console.error("check STRATA_TOKEN"); }
 * ```
 */
export class UnauthenticatedError extends StrataError {
  override name = "UnauthenticatedError";
  constructor(message: string) {
    super(message, "UNAUTHENTICATED");
  }
}

/**
 * An argument was refused (`code` `BAD_USER_INPUT`).
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof InvalidArgumentError) console.error(`bad ${e.argument}: ${e.message}`); }
 * ```
 */
export class InvalidArgumentError extends StrataError {
  override name = "InvalidArgumentError";
  constructor(
    message: string,
    /** The argument at fault; null when the server did not say (fields without a result union). */
    readonly argument: string | null,
  ) {
    super(message, "BAD_USER_INPUT");
  }
}

/**
 * One reason a manifest was refused.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof InvalidManifestError) e.problems.forEach((p: ManifestProblem) => console.error(p.path, p.message)); }
 * ```
 */
export interface ManifestProblem {
  /** Where in the manifest, e.g. "assets.3.key". */
  path: string;
  message: string;
  /**
   * What kind of problem: `duplicate_key`, `duplicate_step_key`, `cycle`, `missing_upstream` (the
   * codes `DefinitionError` uses for the same mistakes), `invalid_value`, `unsupported_version`,
   * `inconsistent` or `hash_mismatch`.
   */
  code: string;
}

/**
 * The manifest failed validation; nothing was registered (`code` `INVALID_MANIFEST`).
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof InvalidManifestError) for (const p of e.problems) console.error(p.path, p.message); }
 * ```
 */
export class InvalidManifestError extends StrataError {
  override name = "InvalidManifestError";
  constructor(
    message: string,
    readonly problems: ManifestProblem[],
  ) {
    super(message, "INVALID_MANIFEST");
  }
}

/**
 * A key the registering location defines that another location already defines.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof AssetKeyCollisionError) e.collisions.forEach((c: AssetKeyCollision) => console.error(c.key, c.definedBy)); }
 * ```
 */
export interface AssetKeyCollision {
  key: string;
  /** The location that already defines it. */
  definedBy: string;
}

/**
 * Another code location already defines some of these asset keys; nothing was registered
 * (`code` `ASSET_KEY_COLLISION`).
 *
 * @example
 * ```ts
 * catch (e) {
 *   if (e instanceof AssetKeyCollisionError) for (const c of e.collisions) console.error(`${c.key} is ${c.definedBy}'s`);
 * }
 * ```
 */
export class AssetKeyCollisionError extends StrataError {
  override name = "AssetKeyCollisionError";
  constructor(
    message: string,
    /** The location that tried to register. */
    readonly locationName: string,
    readonly collisions: AssetKeyCollision[],
  ) {
    super(message, "ASSET_KEY_COLLISION");
  }
}

/**
 * The assets selected cannot make one run; nothing was launched (`code` `INVALID_SELECTION`).
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof InvalidSelectionError && e.reason === "UNKNOWN_ASSETS") console.error(`unknown: ${e.keys}`); }
 * ```
 */
export class InvalidSelectionError extends StrataError {
  override name = "InvalidSelectionError";
  constructor(
    message: string,
    /** UNKNOWN_ASSETS, PARTIAL_MULTI_ASSET, MULTIPLE_LOCATIONS, EMPTY_SELECTION or NOT_LOADED. */
    readonly reason: string,
    /** The keys at fault. */
    readonly keys: string[],
  ) {
    super(message, "INVALID_SELECTION");
  }
}

/**
 * The run's status does not allow this, e.g. terminating a finished run (`code`
 * `INVALID_RUN_STATUS`).
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof RunStatusError) console.error(`run ${e.runId} is already ${e.status}`); }
 * ```
 */
export class RunStatusError extends StrataError {
  override name = "RunStatusError";
  constructor(
    message: string,
    readonly runId: string,
    readonly status: string,
  ) {
    super(message, "INVALID_RUN_STATUS");
  }
}

/**
 * The backfill's status does not allow this (`code` `INVALID_BACKFILL_STATUS`): re-executing one
 * that has not finished, canceling one that has.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof BackfillStatusError) console.error(`backfill ${e.backfillId} is ${e.status}`); }
 * ```
 */
export class BackfillStatusError extends StrataError {
  override name = "BackfillStatusError";
  constructor(
    message: string,
    readonly backfillId: string,
    readonly status: string,
  ) {
    super(message, "INVALID_BACKFILL_STATUS");
  }
}

/**
 * A re-execution strategy found nothing to run again, e.g. FROM_FAILURE of a run that
 * succeeded (`code` `NOTHING_TO_REEXECUTE`).
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof NothingToReexecuteError) console.log(`run ${e.runId} has nothing to retry`); }
 * ```
 */
export class NothingToReexecuteError extends StrataError {
  override name = "NothingToReexecuteError";
  constructor(
    message: string,
    readonly runId: string,
  ) {
    super(message, "NOTHING_TO_REEXECUTE");
  }
}

/**
 * The server failed unexpectedly (`code` `INTERNAL_SERVER_ERROR`). Its log has the details
 * under `requestId`.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof StrataServerError) console.error(`server error, request ${e.requestId}`); }
 * ```
 */
export class StrataServerError extends StrataError {
  override name = "StrataServerError";
  constructor(
    message: string,
    readonly requestId: string | null,
  ) {
    super(message, "INTERNAL_SERVER_ERROR");
  }
}

/**
 * The request got no GraphQL answer: the server could not be reached, the connection dropped,
 * or it answered with an HTTP error and no GraphQL body (`code` `REQUEST_FAILED`). Safe to
 * retry; subscriptions do so themselves.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof StrataRequestError) console.error(`cannot reach ${e.url}: ${e.message}`); }
 * ```
 */
export class StrataRequestError extends StrataError {
  override name = "StrataRequestError";
  constructor(
    message: string,
    readonly url: string,
    /** The HTTP status, when there was a response. */
    readonly status: number | null,
    options: ErrorOptions = {},
  ) {
    super(message, "REQUEST_FAILED", options);
  }
}

/**
 * Whether trying again later may succeed: transport failures, masked server errors (an outage
 * looks like either) and `SERVICE_UNAVAILABLE` (the server lost its database for a moment). A
 * refused argument or token will be refused again.
 *
 * @example
 * ```ts
 * if (isRetryable(error)) await retryLater();
 * ```
 */
export function isRetryable(error: unknown): boolean {
  return (
    error instanceof StrataRequestError ||
    error instanceof StrataServerError ||
    (error instanceof StrataError && error.code === "SERVICE_UNAVAILABLE")
  );
}

/**
 * Partition keys the asset's partitions definition does not have now (`code`
 * `PARTITION_KEYS_NOT_FOUND`); nothing was written.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof PartitionKeysNotFoundError) console.log(`unknown: ${e.keys.join(", ")}`); }
 * ```
 */
export class PartitionKeysNotFoundError extends StrataError {
  override name = "PartitionKeysNotFoundError";
  constructor(
    message: string,
    readonly keys: string[],
  ) {
    super(message, "PARTITION_KEYS_NOT_FOUND");
  }
}

/**
 * A partition was asked of assets that are not partitioned, or partitioned differently (`code`
 * `ASSET_NOT_PARTITIONED`); nothing was written.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof AssetNotPartitionedError) console.log(e.assetKeys); }
 * ```
 */
export class AssetNotPartitionedError extends StrataError {
  override name = "AssetNotPartitionedError";
  constructor(
    message: string,
    readonly assetKeys: string[],
  ) {
    super(message, "ASSET_NOT_PARTITIONED");
  }
}

/**
 * Runs that have not ended use these dynamic partitions (`code` `PARTITION_IN_USE`); nothing
 * was deleted.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof PartitionInUseError) console.log(`wait for ${e.runIds.join(", ")}`); }
 * ```
 */
export class PartitionInUseError extends StrataError {
  override name = "PartitionInUseError";
  constructor(
    message: string,
    readonly keys: string[],
    readonly runIds: string[],
  ) {
    super(message, "PARTITION_IN_USE");
  }
}
