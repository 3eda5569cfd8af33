import { assetKeyToString } from "./asset-key.js";
import type { AssetProducer } from "./build-steps.js";
import { type Manifest, type ManifestAsset, type ManifestStep, manifestVersionFor } from "@strata/protocol";
import { explicitMappings } from "./explicit-mappings.js";
import type { StepSpec } from "./step-spec.js";

const byKey = (a: { key: string }, b: { key: string }) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

function manifestAsset(producer: AssetProducer, producers: ReadonlyMap<string, AssetProducer>): ManifestAsset {
  const { asset, blueprint } = producer;
  const upstream = asset.internalDeps ?? [...blueprint.inputs.map((i) => i.upstream), ...blueprint.deps];
  const isMulti = blueprint.kind === "multi_asset" || blueprint.kind === "graph_multi_asset";
  const isGraph = blueprint.kind === "graph_asset" || blueprint.kind === "graph_multi_asset";
  return {
    key: asset.keyString,
    deps: [...new Set(upstream.map((ref) => assetKeyToString(ref.key)))].sort(),
    group: asset.attributes.group,
    description: asset.attributes.description,
    owners: asset.attributes.owners,
    tags: asset.attributes.tags,
    kinds: asset.attributes.kinds,
    metadata: asset.attributes.metadata,
    codeVersion: asset.attributes.codeVersion,
    stepKey: producer.stepKey,
    multiAsset: isMulti ? { name: blueprint.name, canSubset: blueprint.canSubset } : null,
    graphAsset: isGraph ? blueprint.name : null,
    ioManagerKey: asset.ioManagerKey,
    partitions: blueprint.partitions,
    backfillPolicy: blueprint.backfillPolicy,
    partitionMappings: explicitMappings(producer, producers),
    freshness: asset.attributes.freshness,
    automation: asset.attributes.automation,
  };
}

function manifestStep(step: StepSpec): ManifestStep {
  return {
    key: step.key,
    kind: step.kind,
    inputs: step.inputs.flatMap((i) =>
      i.source ? [{ name: i.name, stepKey: i.source.stepKey, output: i.source.output, assetKey: i.assetKeyString }] : [],
    ),
    outputs: step.outputs.map((o) => ({ name: o.name, assetKey: o.assetKeyString })),
    retryPolicy: step.retryPolicy ? { ...step.retryPolicy } : null,
    deps: step.deps.map((d) => ({ stepKey: d.stepKey, output: d.output, assetKey: d.assetKeyString })),
    externalInputs: step.inputs.flatMap((i) => (i.source === null ? [{ name: i.name, assetKey: i.assetKeyString! }] : [])),
    canSubset: step.canSubset,
    graph: step.graph,
    requiredResourceKeys: [...step.resourceKeys].sort(),
  };
}

/**
 * Describes steps and assets as the plain, sorted manifest. A fresh deep copy every time, so
 * callers may keep or change it.
 * @internal
 */
export function buildManifest(steps: readonly StepSpec[], producers: ReadonlyMap<string, AssetProducer>): Manifest {
  const manifest: Manifest = {
    // Schedules, the one thing version 4 adds, are added by Definitions.
    manifestVersion: manifestVersionFor({}),
    assets: [...producers.values()].map((p) => manifestAsset(p, producers)).sort(byKey),
    steps: steps.map(manifestStep).sort(byKey),
    checks: steps
      .flatMap((step) =>
        step.checks.map((c) => ({
          key: c.key,
          assetKey: c.assetKeyString,
          name: c.name,
          description: c.description,
          blocking: c.blocking,
          stepKey: step.key,
        })),
      )
      .sort(byKey),
  };
  return JSON.parse(JSON.stringify(manifest)) as Manifest;
}
