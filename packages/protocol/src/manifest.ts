/**
 * The manifest: the wire contract between a code location and the server. Plain, versioned,
 * sorted JSON, so the server validates it at the edge, stores it, diffs it and re-plans runs
 * without ever running user code. `Definitions#manifest()` in @strata/definitions produces it;
 * the server parses it with `manifestSchema`; both hash it with `manifestHash` (compact from
 * version 7: manifest-compact.ts).
 */
import { z } from "zod";
import { manifestCheckSchema } from "./checks.js";
import { automationConditionSchema } from "./automation/condition.js";
import { freshnessPolicySchema } from "./freshness.js";
import { metadataSchema } from "./metadata.js";
import { assetKeySchema, MAX_NAME_LENGTH, nameSchema } from "./names.js";
import { backfillPolicySchema } from "./partitions/backfill-policy.js";
import { partitionsDefinitionSchema } from "./partitions/definition.js";
import { partitionMappingSchema } from "./partitions/mapping.js";
import { scheduleProblems } from "./schedules/problems.js";
import { manifestScheduleSchema } from "./schedules/schedule.js";
import { manifestSensorSchema, sensorProblems } from "./sensors/sensor.js";

/**
 * The manifest version this contract describes; a server refuses versions it does not read.
 * Version 2 added partitions (`partitions`, `backfillPolicy`, `partitionMappings` on assets); a
 * version 1 manifest reads as unpartitioned assets. Version 3 added asset checks (`checks`, and
 * steps of kind "check"), freshness policies (`freshness`) and automation conditions
 * (`automation`) on assets; versions 1 and 2 read as having none. A server that reads only
 * version 2 refuses version 3 rather than dropping its checks unseen. Version 4 added schedules
 * (`schedules`); a location without schedules still writes version 3 (`manifestVersionFor`), so
 * its manifest and hash are what they were, and a server reading only 3 refuses schedules
 * rather than dropping them. Version 5 added sensors (`sensors`), written only by a location
 * that has some, for the same reason. Version 6 added schedule functions (`function` on a
 * schedule), written only by a location with one: a server reading only 5 would drop the field
 * and launch the default run at every instant, so it refuses the manifest instead. Version 7 is
 * compact (manifest-compact.ts): an asset or a step leaves out its fields at their defaults, and
 * its hash is that of the compact form. Every location writes it, whatever it holds: a server
 * reading only 6 would find fields missing, so it refuses the manifest.
 */
export const MANIFEST_VERSION = 7;
export const SUPPORTED_MANIFEST_VERSIONS: readonly number[] = [1, 2, 3, 4, 5, 6, MANIFEST_VERSION];

/**
 * The manifest version a location writes: `MANIFEST_VERSION`, whatever the manifest holds. (Up
 * to version 6 it was the lowest version that carried what the manifest held, so that a server
 * reading an older version accepted a location without schedules or sensors; a compact manifest
 * is version 7 whatever it holds.)
 *
 * @example
 * ```ts
 * manifestVersionFor({ schedules: [] }); // 7
 * ```
 */
export function manifestVersionFor(_manifest: {
  schedules?: readonly { function?: unknown }[] | undefined;
  sensors?: readonly unknown[] | undefined;
}): number {
  return MANIFEST_VERSION;
}
/** The most assets one location may register. */
export const MAX_MANIFEST_ASSETS = 200_000;

// Step keys and output names are not key parts: "complex_asset.step_one", "sales/orders".
const identifier = z.string().min(1).max(MAX_NAME_LENGTH);
const stepKey = z.string().min(1).max(1024);

export const retryPolicySchema = z.object({
  maxRetries: z.number().int().min(0).max(1000),
  /** Milliseconds. */
  delay: z.number().min(0),
  backoff: z.enum(["constant", "linear", "exponential"]),
  jitter: z.enum(["none", "full", "plusMinus"]),
});

/**
 * One asset of the location. The fields with defaults may be left out (a version-7 manifest
 * leaves them out at their defaults: manifest-compact.ts).
 */
export const manifestAssetSchema = z.object({
  /** Slash-joined key path, e.g. "sales/orders". */
  key: assetKeySchema,
  /** Every upstream asset key (ins and deps), sorted; may name other locations' assets. */
  deps: z.array(assetKeySchema).default(() => []),
  /** Defaults to "default". */
  group: nameSchema,
  description: z.string().max(100_000).nullable().default(null),
  /** Email addresses or `team:<name>`. */
  owners: z.array(z.string().min(1).max(320)).default(() => []),
  tags: z.record(z.string().max(255), z.string().max(1024)).default(() => ({})),
  /** Sorted. */
  kinds: z.array(z.string().min(1).max(64)).default(() => []),
  metadata: metadataSchema.default(() => ({})),
  codeVersion: z.string().max(1024).nullable().default(null),
  /** The step materializing it; for a graph asset, the op step producing its value. */
  stepKey,
  /** Set when it is one of a multi-asset's (or graph multi-asset's) outputs. */
  multiAsset: z.object({ name: identifier, canSubset: z.boolean() }).nullable().default(null),
  /** The graph asset or graph multi-asset it comes from, by graph name (see `ManifestStep.graph`). */
  graphAsset: stepKey.nullable().default(null),
  ioManagerKey: identifier,
  /** How the asset is partitioned; `null` when it is not (and in version 1 manifests). */
  partitions: partitionsDefinitionSchema.nullable().default(null),
  /** How a backfill groups its partitions into runs; `null`: one run per partition. */
  backfillPolicy: backfillPolicySchema.nullable().default(null),
  /**
   * Upstream asset key → the mapping its partitions are read through, only where given
   * explicitly; the others are inferred (`inferPartitionMapping`), as Dagster infers them.
   */
  partitionMappings: z.record(assetKeySchema, partitionMappingSchema).default({}),
  /** How fresh it must be kept (version 3); `null`: no policy. */
  freshness: freshnessPolicySchema.nullable().default(null),
  /** When the server materializes it by itself (version 3): an automation condition tree; `null`: never. */
  automation: automationConditionSchema.nullable().default(null),
});

/** A wiring from one step's output to another step. */
export const manifestStepInputSchema = z.object({
  /** The input's name: the `ins` key for assets, `arg0`, `arg1`… for op parameters. */
  name: identifier,
  stepKey,
  output: identifier,
  /** The upstream asset, or `null` for an op's intermediate output. */
  assetKey: assetKeySchema.nullable(),
});

/** One output of a step. */
export const manifestStepOutputSchema = z.object({
  name: identifier,
  /** `null` for an op's intermediate output. */
  assetKey: assetKeySchema.nullable(),
});

/**
 * One unit of execution; like an asset, it may leave out the fields that have defaults. Step keys: the asset key for an asset ("sales/orders"), the name for a
 * multi-asset, and `<graph>.<op invocation>` for graph ops, where the graph is the asset key of
 * a graph asset or the name of a graph multi-asset ("complex_asset.step_one"). Key parts cannot
 * contain "." so an op's step key never looks like an asset's.
 */
export const manifestStepSchema = z.object({
  key: stepKey,
  /** "check": a separate asset check's step (see `ManifestCheck.stepKey`); it outputs no asset. */
  kind: z.enum(["asset", "multi_asset", "op", "check"]),
  /** Value inputs from steps of this location, in argument order. */
  inputs: z.array(manifestStepInputSchema).default(() => []),
  outputs: z.array(manifestStepOutputSchema).default(() => []),
  retryPolicy: retryPolicySchema.nullable().default(null),
  /** Lineage-only upstreams in this location (`deps`): the step waits for them but gets no value. */
  deps: z.array(z.object({ stepKey, output: identifier, assetKey: assetKeySchema })).default(() => []),
  /**
   * Value inputs loaded from storage by asset key through an IO manager, not wired to a step of
   * the run: assets of other locations, and a self-dependent asset's earlier partitions of
   * itself (its asset lists its own key in `deps`, with the mapping in `partitionMappings`).
   */
  externalInputs: z.array(z.object({ name: identifier, assetKey: assetKeySchema })).default(() => []),
  /** Whether a run may select only some of its assets. */
  canSubset: z.boolean().default(false),
  /** For op steps: the graph they belong to. */
  graph: stepKey.nullable().default(null),
  requiredResourceKeys: z.array(identifier).default(() => []),
});

/** The schema of each list of a manifest: what one item of `assets`, `steps`… must be. */
export const manifestItemSchemas = {
  assets: manifestAssetSchema,
  steps: manifestStepSchema,
  checks: manifestCheckSchema,
  schedules: manifestScheduleSchema,
  sensors: manifestSensorSchema,
} as const;

/** The lists of a manifest, whose items a delta registration can reuse from the version before. */
export type ManifestListName = keyof typeof manifestItemSchemas;
export const MANIFEST_LISTS = Object.keys(manifestItemSchemas) as ManifestListName[];

type ItemSchemas = { [K in ManifestListName]: z.ZodType<z.output<(typeof manifestItemSchemas)[K]>, unknown> };

/** The manifest's shape around its items, and the rules that span lists. */
function manifestObject<S extends ItemSchemas>(items: S) {
  return z
    .object({
      manifestVersion: z.number().int(),
      /** Sorted by key. */
      assets: z.array(items.assets).max(MAX_MANIFEST_ASSETS),
      /** Sorted by key. */
      steps: z.array(items.steps),
      /** Asset checks, sorted by key. */
      checks: z.array(items.checks).default([]),
      /** Schedules, sorted by name (version 4; absent before, and when there are none). */
      schedules: z.array(items.schedules).optional(),
      /** Sensors, sorted by name (version 5; absent before, and when there are none). */
      sensors: z.array(items.sensors).optional(),
    })
    .superRefine((manifest, ctx) => {
      for (const problem of scheduleProblems(manifest.schedules ?? [], manifest.assets))
        ctx.addIssue({
          code: "custom",
          path: ["schedules", ...problem.path.split(".").map((p) => (/^\d+$/.test(p) ? Number(p) : p))],
          message: problem.message,
        });
      for (const problem of sensorProblems(manifest.sensors ?? [], manifest.assets))
        ctx.addIssue({
          code: "custom",
          path: ["sensors", ...problem.path.split(".").map((p) => (/^\d+$/.test(p) ? Number(p) : p))],
          message: problem.message,
        });
    });
}

/**
 * Everything the server knows about a code location's assets and steps. `manifestVersion` is
 * any integer here so a server can answer "version 2 is not supported" instead of a schema error.
 */
export const manifestSchema = manifestObject(manifestItemSchemas);

/** An item some earlier parse already produced: taken as it is. */
const parsedItem = <T>() => z.custom<T>(() => true);

/**
 * The manifest's own rules for one whose items were each parsed already (with
 * `manifestItemSchemas`: a delta registration parses only the items it did not have): the
 * same result as `manifestSchema` on the whole, without parsing every item again.
 */
export const manifestOfParsedItemsSchema = manifestObject({
  assets: parsedItem<ManifestAsset>(),
  steps: parsedItem<ManifestStep>(),
  checks: parsedItem<z.output<typeof manifestCheckSchema>>(),
  schedules: parsedItem<z.output<typeof manifestScheduleSchema>>(),
  sensors: parsedItem<z.output<typeof manifestSensorSchema>>(),
});

/**
 * The manifest's schema for one whose assets were each parsed already with
 * `manifestItemSchemas.assets` (a registration parses them a slice at a time, writing each slice
 * while it parses the next): everything else is parsed, with the same result as `manifestSchema`.
 */
export const manifestOfParsedAssetsSchema = manifestObject({ ...manifestItemSchemas, assets: parsedItem<ManifestAsset>() });

/**
 * The same for one whose assets and steps were each parsed already (a registration parses them
 * a slice at a time, between other requests): its other lists are parsed, with the same result
 * as `manifestSchema`.
 */
export const manifestOfParsedAssetsAndStepsSchema = manifestObject({
  ...manifestItemSchemas,
  assets: parsedItem<ManifestAsset>(),
  steps: parsedItem<ManifestStep>(),
});

/**
 * A code location's manifest.
 *
 * @example
 * ```ts
 * const { manifest, hash } = new Definitions({ assets: [myDataAsset] }).manifest();
 * manifest.assets[0]?.key; // "my_data_asset"
 * ```
 */
export type Manifest = z.output<typeof manifestSchema>;
/**
 * @example
 * ```ts
 * const owned = manifest.assets.filter((a: ManifestAsset) => a.owners.includes("team:finance"));
 * ```
 */
export type ManifestAsset = z.output<typeof manifestAssetSchema>;
/**
 * @example
 * ```ts
 * const retried = manifest.steps.filter((s: ManifestStep) => (s.retryPolicy?.maxRetries ?? 0) > 0);
 * ```
 */
export type ManifestStep = z.output<typeof manifestStepSchema>;
/**
 * @example
 * ```ts
 * const upstreamSteps = (step: ManifestStep) => step.inputs.map((input: ManifestStepInput) => input.stepKey);
 * ```
 */
export type ManifestStepInput = z.output<typeof manifestStepInputSchema>;
/**
 * @example
 * ```ts
 * const assetsOf = (step: ManifestStep) => step.outputs.flatMap((o: ManifestStepOutput) => (o.assetKey ? [o.assetKey] : []));
 * ```
 */
export type ManifestStepOutput = z.output<typeof manifestStepOutputSchema>;
export type RetryPolicySpec = z.output<typeof retryPolicySchema>;
