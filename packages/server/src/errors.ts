/**
 * Expected failures. Each is a GraphQL type (schema/errors.ts) implementing the `Error`
 * interface and returned through result unions; where a field has no union, it travels as a
 * GraphQL error with `extensions.code`. Anything thrown that is not a StrataError is unexpected
 * and masked (error-masking.ts).
 */
export abstract class StrataError extends Error {
  abstract readonly code: string;
}

/**
 * The base of an expected failure that carries typed fields beside its message (its GraphQL
 * type exposes them): `new RunStatusError({ runId, status }, message)`.
 */
function errorWithFields<Fields extends object>(name: string, code: string) {
  class ErrorWithFields extends StrataError {
    override readonly name = name;
    readonly code = code;
    constructor(fields: Fields, message: string) {
      super(message);
      Object.assign(this, fields);
    }
  }
  // Object.assign adds the fields; the type says so.
  return ErrorWithFields as unknown as new (
    fields: Fields,
    message: string,
  ) => ErrorWithFields & Readonly<Fields>;
}

export class NotFoundError extends errorWithFields<{ kind: string; key: string }>("NotFoundError", "NOT_FOUND") {
  constructor(kind: string, key: string) {
    super({ kind, key }, `No ${kind} "${key}"`);
  }
}

export class UnauthorizedError extends errorWithFields<{ requiredScope: string }>("UnauthorizedError", "FORBIDDEN") {
  constructor(message: string, requiredScope: string) {
    super({ requiredScope }, message);
  }
}

export class InvalidArgumentError extends errorWithFields<{ argument: string }>("InvalidArgumentError", "BAD_USER_INPUT") {
  constructor(argument: string, message: string) {
    super({ argument }, `${argument}: ${message}`);
  }
}

/**
 * What is wrong with one part of a manifest. The first four are the codes of the definitions
 * package's `DefinitionError` for the same mistakes (a manifest built by `Definitions#manifest()`
 * never has them; a hand-made or altered one may); the rest only a manifest on the wire can have.
 */
export type ManifestProblemCode =
  | "duplicate_key"
  | "duplicate_step_key"
  | "cycle"
  | "missing_upstream"
  | "invalid_value"
  | "unsupported_version"
  | "inconsistent"
  | "hash_mismatch";

export interface ManifestProblem {
  path: string;
  message: string;
  code: ManifestProblemCode;
}

export class InvalidManifestError extends StrataError {
  override readonly name = "InvalidManifestError";
  readonly code = "INVALID_MANIFEST";
  constructor(readonly problems: ManifestProblem[]) {
    const shown = problems.slice(0, 5).map((p) => (p.path ? `${p.path}: ${p.message}` : p.message));
    const more = problems.length > 5 ? ` (and ${problems.length - 5} more)` : "";
    super(`Invalid manifest: ${shown.join("; ")}${more}`);
  }
}

/** A registration sent without its manifest, whose hash is not the location's current version. */
export class ManifestRequiredError extends errorWithFields<{ location: string; hash: string }>(
  "ManifestRequiredError",
  "MANIFEST_REQUIRED",
) {}

export interface KeyCollision {
  key: string;
  definedBy: string;
}

export class AssetKeyCollisionError extends StrataError {
  override readonly name = "AssetKeyCollisionError";
  readonly code = "ASSET_KEY_COLLISION";
  constructor(
    readonly location: string,
    readonly collisions: KeyCollision[],
  ) {
    const shown = collisions.slice(0, 5).map((c) => `"${c.key}" (defined by ${c.definedBy})`);
    const more = collisions.length > 5 ? ` and ${collisions.length - 5} more` : "";
    super(
      `Location "${location}" defines asset keys that another location already defines: ${shown.join(", ")}${more}. Nothing was registered.`,
    );
  }
}

export type SelectionProblem =
  | "UNKNOWN_ASSETS"
  | "PARTIAL_MULTI_ASSET"
  | "MULTIPLE_LOCATIONS"
  | "EMPTY_SELECTION"
  | "NOT_LOADED"
  | "MISSING_PARTITION"
  | "UNKNOWN_CHECKS"
  | "CHECK_REQUIRES_MATERIALIZATION"
  | "NOTHING_UNSYNCED";

export class InvalidSelectionError extends errorWithFields<{ reason: SelectionProblem; keys: string[] }>(
  "InvalidSelectionError",
  "INVALID_SELECTION",
) {
  constructor(reason: SelectionProblem, message: string, keys: string[] = []) {
    super({ reason, keys }, message);
  }
}

/** Partition keys the asset's partitions definition does not have (now); nothing was written. */
export class PartitionKeysNotFoundError extends errorWithFields<{ keys: string[] }>(
  "PartitionKeysNotFoundError",
  "PARTITION_KEYS_NOT_FOUND",
) {}

/** Dynamic partition keys a run that has not ended still uses; nothing was deleted. */
export class PartitionInUseError extends errorWithFields<{ keys: string[]; runIds: string[] }>("PartitionInUseError", "PARTITION_IN_USE") {}

/** A partition was asked of assets that have no partitions definition, or different ones. */
export class AssetNotPartitionedError extends errorWithFields<{ assetKeys: string[] }>(
  "AssetNotPartitionedError",
  "ASSET_NOT_PARTITIONED",
) {}

export class RunStatusError extends errorWithFields<{ runId: string; status: string }>("RunStatusError", "INVALID_RUN_STATUS") {}

/** The backfill's status does not allow this (re-executing one that has not finished). */
export class BackfillStatusError extends errorWithFields<{ backfillId: string; status: string }>(
  "BackfillStatusError",
  "INVALID_BACKFILL_STATUS",
) {}

export class NothingToReexecuteError extends errorWithFields<{ runId: string }>("NothingToReexecuteError", "NOTHING_TO_REEXECUTE") {}

/** A worker reported for, or heartbeated, a run it no longer holds (its lease ran out, or another claimed it). */
export class RunNotHeldError extends errorWithFields<{ runId: string; status: string }>("RunNotHeldError", "RUN_NOT_HELD") {}

/** A token holds as many open subscriptions as the server allows (`STRATA_MAX_SUBSCRIPTIONS_PER_TOKEN`). */
export class TooManySubscriptionsError extends errorWithFields<{ tokenName: string; limit: number }>(
  "TooManySubscriptionsError",
  "TOO_MANY_SUBSCRIPTIONS",
) {
  constructor(tokenName: string, limit: number) {
    super(
      { tokenName, limit },
      `Token "${tokenName}" already holds ${limit} open subscriptions, the most this server allows: close one first`,
    );
  }
}

/**
 * A report's events do not continue the run's log: each run's seqs run 1, 2, 3... with no gap,
 * so a watcher can tell it has everything. Nothing of the report was stored; send the events
 * from `expectedSeq` on.
 */
export class RunEventSequenceError extends errorWithFields<{ runId: string; expectedSeq: number }>(
  "RunEventSequenceError",
  "EVENT_OUT_OF_SEQUENCE",
) {}

/** A reported event names a step outside the run's plan, or an asset none of its steps materializes. */
export class EventOutsidePlanError extends errorWithFields<{ runId: string; seq: number }>("EventOutsidePlanError", "EVENT_OUTSIDE_PLAN") {}

/**
 * The server cannot reach its database right now (a failover, a restart, a dropped connection).
 * It reconnects by itself; the request may be sent again (reports are idempotent by seq).
 */
export class ServiceUnavailableError extends StrataError {
  override readonly name = "ServiceUnavailableError";
  readonly code = "SERVICE_UNAVAILABLE";
  readonly retryable = true;
}
