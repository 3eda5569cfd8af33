/**
 * The manifest: the wire contract between a code location and the server. It is plain,
 * versioned, sorted JSON, so the server can validate it at the edge, store it, diff it and
 * re-plan runs without ever running user code. Produced by `definitions.manifest()`.
 */
import type { MetadataEntry } from "./metadata.js";

/**
 * Everything the server knows about a code location's assets and steps.
 *
 * @example
 * ```ts
 * const { manifest, hash } = new Definitions({ assets: [myDataAsset] }).manifest();
 * manifest.assets[0]?.key; // "my_data_asset"
 * ```
 */
export interface Manifest {
  manifestVersion: 1;
  /** Sorted by key. */
  assets: ManifestAsset[];
  /** Sorted by key. */
  steps: ManifestStep[];
}

/**
 * One asset of the location.
 *
 * @example
 * ```ts
 * const owned = manifest.assets.filter((a: ManifestAsset) => a.owners.includes("team:finance"));
 * ```
 */
export interface ManifestAsset {
  /** Slash-joined key path, e.g. "sales/orders". */
  key: string;
  /** Every upstream asset key (ins and deps), sorted; may name other locations' assets. */
  deps: string[];
  /** Defaults to "default". */
  group: string;
  description: string | null;
  /** Email addresses or `team:<name>`. */
  owners: string[];
  tags: Record<string, string>;
  /** Sorted. */
  kinds: string[];
  metadata: Record<string, MetadataEntry>;
  codeVersion: string | null;
  /** The step materializing it; for a graph asset, the op step producing its value. */
  stepKey: string;
  /** Set when it is one of a multi-asset's (or graph multi-asset's) outputs. */
  multiAsset: { name: string; canSubset: boolean } | null;
  /** The graph asset or graph multi-asset it comes from, by graph name (see `ManifestStep.graph`). */
  graphAsset: string | null;
  ioManagerKey: string;
}

/**
 * A wiring from one step's output to another step.
 *
 * @example
 * ```ts
 * const upstreamSteps = (step: ManifestStep) => step.inputs.map((input: ManifestStepInput) => input.stepKey);
 * ```
 */
export interface ManifestStepInput {
  /** The input's name: the `ins` key for assets, `arg0`, `arg1`… for op parameters. */
  name: string;
  stepKey: string;
  output: string;
  /** The upstream asset, or `null` for an op's intermediate output. */
  assetKey: string | null;
}

/**
 * One output of a step.
 *
 * @example
 * ```ts
 * const assetsOf = (step: ManifestStep) => step.outputs.flatMap((o: ManifestStepOutput) => (o.assetKey ? [o.assetKey] : []));
 * ```
 */
export interface ManifestStepOutput {
  name: string;
  /** `null` for an op's intermediate output. */
  assetKey: string | null;
}

/**
 * One unit of execution. Step keys: the asset key for an asset ("sales/orders"), the name for a
 * multi-asset, and `<graph>.<op invocation>` for graph ops, where the graph is the asset key of
 * a graph asset or the name of a graph multi-asset ("complex_asset.step_one"). Key parts cannot
 * contain "." so an op's step key never looks like an asset's.
 *
 * @example
 * ```ts
 * const retried = manifest.steps.filter((s: ManifestStep) => (s.retryPolicy?.maxRetries ?? 0) > 0);
 * ```
 */
export interface ManifestStep {
  key: string;
  kind: "asset" | "multi_asset" | "op";
  /** Value inputs from steps of this location, in argument order. */
  inputs: ManifestStepInput[];
  outputs: ManifestStepOutput[];
  retryPolicy: {
    maxRetries: number;
    /** Milliseconds. */
    delay: number;
    backoff: "constant" | "linear" | "exponential";
    jitter: "none" | "full" | "plusMinus";
  } | null;
  /** Lineage-only upstreams in this location (`deps`): the step waits for them but gets no value. */
  deps: { stepKey: string; output: string; assetKey: string }[];
  /** Value inputs loaded from assets of other locations (by key through an IO manager). */
  externalInputs: { name: string; assetKey: string }[];
  /** Whether a run may select only some of its assets. */
  canSubset: boolean;
  /** For op steps: the graph they belong to. */
  graph: string | null;
  requiredResourceKeys: string[];
}
