import type { FieldMap, SchemaTypes } from "@pothos/core";
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

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T extends SchemaTypes> ? T : never;

/**
 * The GraphQL type of an error class: its `name`, its description, and its own fields besides the
 * Error interface's message and code.
 */
function errorType<Shape extends StrataError>(
  error: new (...args: never[]) => Shape,
  name: string,
  description: string | null,
  fields: (t: PothosSchemaTypes.ObjectFieldBuilder<Types, Shape>) => FieldMap,
): void {
  // Pothos cannot check options generic in the class; `fields` above is checked against it.
  const options = { name, ...(description !== null && { description }), interfaces: [ErrorInterface], fields };
  builder.objectType(error, options as never);
}

errorType(NotFoundError, "NotFoundError", null, (t) => ({
  kind: t.exposeString("kind", { description: 'What was looked for: "asset", "code location"...' }),
  key: t.exposeString("key", { description: "The key or name that matched nothing." }),
}));

errorType(UnauthorizedError, "UnauthorizedError", "The request's token (or its absence) does not allow this.", (t) => ({
  requiredScope: t.exposeString("requiredScope"),
}));

errorType(InvalidArgumentError, "InvalidArgumentError", null, (t) => ({ argument: t.exposeString("argument") }));

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

errorType(InvalidManifestError, "InvalidManifestError", "The manifest failed validation; nothing was registered.", (t) => ({
  problems: t.field({ type: [ManifestProblemRef], resolve: (e) => e.problems }),
}));

errorType(
  ManifestRequiredError,
  "ManifestRequiredError",
  "registerCodeLocation was sent a hash without its manifest, and the location is not at that version: send the manifest. Nothing was written.",
  (t) => ({ location: t.exposeString("location"), hash: t.exposeString("hash") }),
);

const KeyCollisionRef = builder.objectRef<KeyCollision>("AssetKeyCollision").implement({
  fields: (t) => ({
    key: t.exposeString("key"),
    definedBy: t.exposeString("definedBy", { description: "The location that already defines the key." }),
  }),
});

errorType(
  AssetKeyCollisionError,
  "AssetKeyCollisionError",
  "Another code location already defines some of these keys; nothing was registered.",
  (t) => ({
    locationName: t.exposeString("location", { description: "The location that tried to register." }),
    collisions: t.field({ type: [KeyCollisionRef], resolve: (e) => e.collisions }),
  }),
);

errorType(InvalidSelectionError, "InvalidSelectionError", "The assets selected cannot make one run; nothing was launched.", (t) => ({
  reason: t.exposeString("reason", {
    description:
      "UNKNOWN_ASSETS, PARTIAL_MULTI_ASSET, MULTIPLE_LOCATIONS, EMPTY_SELECTION, NOT_LOADED, MISSING_PARTITION (partitioned assets launched without a partition), UNKNOWN_CHECKS, CHECK_REQUIRES_MATERIALIZATION (a check its asset evaluates in its own step, launched without the asset), or NOTHING_UNSYNCED (`unsyncedOnly` and every selected asset is SYNCED; `keys` is the selection).",
  }),
  keys: t.exposeStringList("keys", { description: "The keys at fault (for UNKNOWN_ASSETS, the unknown ones)." }),
}));

errorType(
  PartitionKeysNotFoundError,
  "PartitionKeysNotFoundError",
  "Partition keys the asset's partitions definition does not have; nothing was written.",
  (t) => ({ keys: t.exposeStringList("keys", { description: "The unknown keys." }) }),
);

errorType(
  PartitionInUseError,
  "PartitionInUseError",
  "Runs that have not ended use these dynamic partitions; nothing was deleted.",
  (t) => ({ keys: t.exposeStringList("keys"), runIds: t.exposeStringList("runIds") }),
);

errorType(
  AssetNotPartitionedError,
  "AssetNotPartitionedError",
  "A partition was asked of assets without a partitions definition, or with different ones; nothing was written.",
  (t) => ({ assetKeys: t.exposeStringList("assetKeys", { description: "The assets at fault." }) }),
);

errorType(RunStatusError, "RunStatusError", "The run's status does not allow this.", (t) => ({
  runId: t.exposeString("runId"),
  status: t.field({ type: RunStatusEnum, resolve: (e) => e.status as RunStatusValue }),
}));

errorType(
  NothingToReexecuteError,
  "NothingToReexecuteError",
  "The strategy selects no step of that run: everything it covers already succeeded.",
  (t) => ({ runId: t.exposeString("runId") }),
);

errorType(
  RunNotHeldError,
  "RunNotHeldError",
  "This worker no longer holds the run (its lease expired or the run ended): stop executing it.",
  (t) => ({ runId: t.exposeString("runId"), status: t.field({ type: RunStatusEnum, resolve: (e) => e.status as RunStatusValue }) }),
);

errorType(
  RunEventSequenceError,
  "RunEventSequenceError",
  "The events do not continue the run's log (a gap, or nothing may follow the run's last event); nothing was stored.",
  (t) => ({
    runId: t.exposeString("runId"),
    expectedSeq: t.exposeInt("expectedSeq", { description: "The seq the server expects next: resend from here." }),
  }),
);

errorType(
  EventOutsidePlanError,
  "EventOutsidePlanError",
  "An event names a step outside the run's plan, or an asset its steps do not materialize; nothing was stored.",
  (t) => ({ runId: t.exposeString("runId"), seq: t.exposeInt("seq", { description: "The first event at fault." }) }),
);

errorType(
  BackfillStatusError,
  "BackfillStatusError",
  "The backfill's status does not allow this (re-executing one that has not finished, canceling one that has).",
  (t) => ({ backfillId: t.exposeString("backfillId"), status: t.exposeString("status") }),
);
