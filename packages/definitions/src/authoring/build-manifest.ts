import { assetKeyToString } from "./asset-key.js";
import type { AssetProducer } from "./build-steps.js";
import { MANIFEST_VERSION, type Manifest, type ManifestAsset, type ManifestStep } from "@strata/protocol";
import { explicitMappings } from "./explicit-mappings.js";
import { jsonData } from "./manifest-data.js";
import type { StepSpec } from "./step-spec.js";

const byKey = (a: { key: string }, b: { key: string }) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

// The objects below list their keys in canonical (sorted) order and copy whatever came from
// users through jsonData: the manifest is then plain JSON data in its canonical form, built in
// one pass. (Copying the whole of it through JSON afterwards took seconds at 100,000 assets.)

/** A value as JSON would carry it: `null` stays `null` without a copy. */
const json = <T>(value: T): T => (value === null ? value : (jsonData(value) as T));

function manifestAsset(producer: AssetProducer, producers: ReadonlyMap<string, AssetProducer>): ManifestAsset {
  const { asset, blueprint } = producer;
  const upstream = asset.internalDeps ?? [...blueprint.inputs.map((i) => i.upstream), ...blueprint.deps];
  const isMulti = blueprint.kind === "multi_asset" || blueprint.kind === "graph_multi_asset";
  const isGraph = blueprint.kind === "graph_asset" || blueprint.kind === "graph_multi_asset";
  const { attributes } = asset;
  return {
    automation: json(attributes.automation),
    backfillPolicy: json(blueprint.backfillPolicy),
    codeVersion: attributes.codeVersion,
    deps: [...new Set(upstream.map((ref) => assetKeyToString(ref.key)))].sort(),
    description: attributes.description,
    freshness: json(attributes.freshness),
    graphAsset: isGraph ? blueprint.name : null,
    group: attributes.group,
    ioManagerKey: asset.ioManagerKey,
    key: asset.keyString,
    kinds: json(attributes.kinds),
    metadata: json(attributes.metadata),
    multiAsset: isMulti ? { canSubset: blueprint.canSubset, name: blueprint.name } : null,
    owners: json(attributes.owners),
    partitionMappings: json(explicitMappings(producer, producers)),
    partitions: json(blueprint.partitions),
    stepKey: producer.stepKey,
    tags: json(attributes.tags),
  };
}

function manifestStep(step: StepSpec): ManifestStep {
  return {
    canSubset: step.canSubset,
    deps: step.deps.map((d) => ({ assetKey: d.assetKeyString, output: d.output, stepKey: d.stepKey })),
    externalInputs: step.inputs.flatMap((i) => (i.source === null ? [{ assetKey: i.assetKeyString!, name: i.name }] : [])),
    graph: step.graph,
    inputs: step.inputs.flatMap((i) =>
      i.source ? [{ assetKey: i.assetKeyString, name: i.name, output: i.source.output, stepKey: i.source.stepKey }] : [],
    ),
    key: step.key,
    kind: step.kind,
    outputs: step.outputs.map((o) => ({ assetKey: o.assetKeyString, name: o.name })),
    requiredResourceKeys: [...step.resourceKeys].sort(),
    retryPolicy: step.retryPolicy ? json({ ...step.retryPolicy }) : null,
  };
}

/**
 * Describes steps and assets as the plain, sorted manifest. A fresh deep copy every time, so
 * callers may keep or change it; its objects list their keys sorted, as the hash reads them.
 * @internal
 */
export function buildManifest(steps: readonly StepSpec[], producers: ReadonlyMap<string, AssetProducer>): Manifest {
  return {
    assets: [...producers.values()].map((p) => manifestAsset(p, producers)).sort(byKey),
    checks: steps
      .flatMap((step) =>
        step.checks.map((c) =>
          json({
            assetKey: c.assetKeyString,
            blocking: c.blocking,
            description: c.description,
            key: c.key,
            name: c.name,
            stepKey: step.key,
          }),
        ),
      )
      .sort(byKey),
    // Schedules and sensors are added by Definitions. Its text is compact (manifest-compact.ts in
    // @strata/protocol), this value whole: what `Definitions#manifest()` returns.
    manifestVersion: MANIFEST_VERSION,
    steps: steps.map(manifestStep).sort(byKey),
  };
}

/** What isAtDefault in @strata/protocol calls an empty record: no key of its own. */
const isEmptyRecord = (value: object): boolean => {
  for (const _ in value) return false;
  return true;
};

/**
 * An asset of buildManifest in the manifest's compact form (@strata/protocol's
 * `compactManifestItem`: each field of FIELDS_OMITTED_AT_DEFAULT left out at its default), built
 * field by field in canonical order. The generic copy, key by key, was ~5× slower: ~0.3-0.7 s of
 * a 100,000-asset location's start. Only for items with exactly ASSET_KEYS (compactBuiltManifest).
 */
function compactAsset(a: ManifestAsset): Partial<ManifestAsset> {
  const c: Partial<ManifestAsset> = {};
  if (a.automation !== null) c.automation = a.automation;
  if (a.backfillPolicy !== null) c.backfillPolicy = a.backfillPolicy;
  if (a.codeVersion !== null) c.codeVersion = a.codeVersion;
  if (a.deps.length) c.deps = a.deps;
  if (a.description !== null) c.description = a.description;
  if (a.freshness !== null) c.freshness = a.freshness;
  if (a.graphAsset !== null) c.graphAsset = a.graphAsset;
  c.group = a.group;
  c.ioManagerKey = a.ioManagerKey;
  c.key = a.key;
  if (a.kinds.length) c.kinds = a.kinds;
  if (!isEmptyRecord(a.metadata)) c.metadata = a.metadata;
  if (a.multiAsset !== null) c.multiAsset = a.multiAsset;
  if (a.owners.length) c.owners = a.owners;
  if (!isEmptyRecord(a.partitionMappings)) c.partitionMappings = a.partitionMappings;
  if (a.partitions !== null) c.partitions = a.partitions;
  c.stepKey = a.stepKey;
  if (!isEmptyRecord(a.tags)) c.tags = a.tags;
  return c;
}

/** A step of buildManifest in the compact form, as compactAsset (only for items with exactly STEP_KEYS). */
function compactStep(s: ManifestStep): Partial<ManifestStep> {
  const c: Partial<ManifestStep> = {};
  if (s.canSubset !== false) c.canSubset = s.canSubset;
  if (s.deps.length) c.deps = s.deps;
  if (s.externalInputs.length) c.externalInputs = s.externalInputs;
  if (s.graph !== null) c.graph = s.graph;
  if (s.inputs.length) c.inputs = s.inputs;
  c.key = s.key;
  c.kind = s.kind;
  if (s.outputs.length) c.outputs = s.outputs;
  if (s.requiredResourceKeys.length) c.requiredResourceKeys = s.requiredResourceKeys;
  if (s.retryPolicy !== null) c.retryPolicy = s.retryPolicy;
  return c;
}

/** The keys, in order, of every asset manifestAsset builds: the items compactAsset takes. @internal */
export const ASSET_KEYS =
  "automation,backfillPolicy,codeVersion,deps,description,freshness,graphAsset,group,ioManagerKey,key,kinds,metadata,multiAsset,owners,partitionMappings,partitions,stepKey,tags";
/** The keys, in order, of every step manifestStep builds: the items compactStep takes. @internal */
export const STEP_KEYS = "canSubset,deps,externalInputs,graph,inputs,key,kind,outputs,requiredResourceKeys,retryPolicy";

/**
 * `manifest`, as buildManifest built it, with its assets and steps in the compact form: what
 * manifestTextAndHash writes, which then finds nothing left to leave out. A list whose items
 * have other keys than compactAsset or compactStep know (a field added to manifestAsset, say)
 * is left whole, for the protocol's generic copy to compact: slower, never different.
 * @internal
 */
export function compactBuiltManifest(manifest: Manifest): object {
  const known = (items: readonly object[], keys: string) => items.length > 0 && Object.keys(items[0]!).join() === keys;
  return {
    ...manifest,
    assets: known(manifest.assets, ASSET_KEYS) ? manifest.assets.map(compactAsset) : manifest.assets,
    steps: known(manifest.steps, STEP_KEYS) ? manifest.steps.map(compactStep) : manifest.steps,
  };
}
