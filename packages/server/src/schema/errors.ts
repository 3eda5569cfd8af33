import { builder } from "../builder.js";
import { RunStatusEnum, type RunStatusValue } from "./run-status.js";
import {
  AssetKeyCollisionError,
  AssetNotPartitionedError,
  BackfillStatusError,
  InvalidSelectionError,
  PartitionInUseError,
  PartitionKeysNotFoundError,
  NothingToReexecuteError,
  EventOutsidePlanError,
  RunEventSequenceError,
  RunNotHeldError,
  RunStatusError,
  InvalidArgumentError,
  InvalidManifestError,
  ManifestRequiredError,
  NotFoundError,
  type StrataError,
  UnauthorizedError,
  type KeyCollision,
  type ManifestProblem,
} from "../errors.js";

export const ErrorInterface = builder.interfaceRef<StrataError>("Error").implement({
  description: "An expected failure: every error type in a result union implements this.",
  fields: (t) => ({
    message: t.exposeString("message", { description: "What went wrong, for people." }),
    code: t.exposeString("code", { description: "What went wrong, for programs (e.g. NOT_FOUND)." }),
  }),
});

builder.objectType(NotFoundError, {
  name: "NotFoundError",
  interfaces: [ErrorInterface],
  fields: (t) => ({
    kind: t.exposeString("kind", { description: 'What was looked for: "asset", "code location"...' }),
    key: t.exposeString("key", { description: "The key or name that matched nothing." }),
  }),
});

builder.objectType(UnauthorizedError, {
  name: "UnauthorizedError",
  description: "The request's token (or its absence) does not allow this.",
  interfaces: [ErrorInterface],
  fields: (t) => ({ requiredScope: t.exposeString("requiredScope") }),
});

builder.objectType(InvalidArgumentError, {
  name: "InvalidArgumentError",
  interfaces: [ErrorInterface],
  fields: (t) => ({ argument: t.exposeString("argument") }),
});

const ManifestProblemRef = builder.objectRef<ManifestProblem>("ManifestProblem").implement({
  fields: (t) => ({
    path: t.exposeString("path", { description: 'Where in the manifest, e.g. "assets.3.key".' }),
    message: t.exposeString("message"),
    code: t.exposeString("code", {
      description:
        "duplicate_key, duplicate_step_key, cycle or missing_upstream (the definitions package's DefinitionError codes), invalid_value, unsupported_version, inconsistent or hash_mismatch.",
    }),
  }),
});

builder.objectType(InvalidManifestError, {
  name: "InvalidManifestError",
  description: "The manifest failed validation; nothing was registered.",
  interfaces: [ErrorInterface],
  fields: (t) => ({ problems: t.field({ type: [ManifestProblemRef], resolve: (e) => e.problems }) }),
});

builder.objectType(ManifestRequiredError, {
  name: "ManifestRequiredError",
  description:
    "registerCodeLocation was sent a hash without its manifest, and the location is not at that version: send the manifest. Nothing was written.",
  interfaces: [ErrorInterface],
  fields: (t) => ({ location: t.exposeString("location"), hash: t.exposeString("hash") }),
});

const KeyCollisionRef = builder.objectRef<KeyCollision>("AssetKeyCollision").implement({
  fields: (t) => ({
    key: t.exposeString("key"),
    definedBy: t.exposeString("definedBy", { description: "The location that already defines the key." }),
  }),
});

builder.objectType(AssetKeyCollisionError, {
  name: "AssetKeyCollisionError",
  description: "Another code location already defines some of these keys; nothing was registered.",
  interfaces: [ErrorInterface],
  fields: (t) => ({
    locationName: t.exposeString("location", { description: "The location that tried to register." }),
    collisions: t.field({ type: [KeyCollisionRef], resolve: (e) => e.collisions }),
  }),
});

builder.objectType(InvalidSelectionError, {
  name: "InvalidSelectionError",
  description: "The assets selected cannot make one run; nothing was launched.",
  interfaces: [ErrorInterface],
  fields: (t) => ({
    reason: t.exposeString("reason", {
      description:
        "UNKNOWN_ASSETS, PARTIAL_MULTI_ASSET, MULTIPLE_LOCATIONS, EMPTY_SELECTION, NOT_LOADED, MISSING_PARTITION (partitioned assets launched without a partition), UNKNOWN_CHECKS, CHECK_REQUIRES_MATERIALIZATION (a check its asset evaluates in its own step, launched without the asset), or NOTHING_UNSYNCED (`unsyncedOnly` and every selected asset is SYNCED; `keys` is the selection).",
    }),
    keys: t.exposeStringList("keys", { description: "The keys at fault (for UNKNOWN_ASSETS, the unknown ones)." }),
  }),
});

builder.objectType(PartitionKeysNotFoundError, {
  name: "PartitionKeysNotFoundError",
  description: "Partition keys the asset's partitions definition does not have; nothing was written.",
  interfaces: [ErrorInterface],
  fields: (t) => ({ keys: t.exposeStringList("keys", { description: "The unknown keys." }) }),
});

builder.objectType(PartitionInUseError, {
  name: "PartitionInUseError",
  description: "Runs that have not ended use these dynamic partitions; nothing was deleted.",
  interfaces: [ErrorInterface],
  fields: (t) => ({ keys: t.exposeStringList("keys"), runIds: t.exposeStringList("runIds") }),
});

builder.objectType(AssetNotPartitionedError, {
  name: "AssetNotPartitionedError",
  description: "A partition was asked of assets without a partitions definition, or with different ones; nothing was written.",
  interfaces: [ErrorInterface],
  fields: (t) => ({ assetKeys: t.exposeStringList("assetKeys", { description: "The assets at fault." }) }),
});

builder.objectType(RunStatusError, {
  name: "RunStatusError",
  description: "The run's status does not allow this.",
  interfaces: [ErrorInterface],
  fields: (t) => ({ runId: t.exposeString("runId"), status: t.field({ type: RunStatusEnum, resolve: (e) => e.status as RunStatusValue }) }),
});

builder.objectType(NothingToReexecuteError, {
  name: "NothingToReexecuteError",
  description: "The strategy selects no step of that run: everything it covers already succeeded.",
  interfaces: [ErrorInterface],
  fields: (t) => ({ runId: t.exposeString("runId") }),
});

builder.objectType(RunNotHeldError, {
  name: "RunNotHeldError",
  description: "This worker no longer holds the run (its lease expired or the run ended): stop executing it.",
  interfaces: [ErrorInterface],
  fields: (t) => ({ runId: t.exposeString("runId"), status: t.field({ type: RunStatusEnum, resolve: (e) => e.status as RunStatusValue }) }),
});

builder.objectType(RunEventSequenceError, {
  name: "RunEventSequenceError",
  description: "The events do not continue the run's log (a gap, or nothing may follow the run's last event); nothing was stored.",
  interfaces: [ErrorInterface],
  fields: (t) => ({
    runId: t.exposeString("runId"),
    expectedSeq: t.exposeInt("expectedSeq", { description: "The seq the server expects next: resend from here." }),
  }),
});

builder.objectType(EventOutsidePlanError, {
  name: "EventOutsidePlanError",
  description: "An event names a step outside the run's plan, or an asset its steps do not materialize; nothing was stored.",
  interfaces: [ErrorInterface],
  fields: (t) => ({ runId: t.exposeString("runId"), seq: t.exposeInt("seq", { description: "The first event at fault." }) }),
});

builder.objectType(BackfillStatusError, {
  name: "BackfillStatusError",
  description: "The backfill's status does not allow this (re-executing one that has not finished, canceling one that has).",
  interfaces: [ErrorInterface],
  fields: (t) => ({ backfillId: t.exposeString("backfillId"), status: t.exposeString("status") }),
});
