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
