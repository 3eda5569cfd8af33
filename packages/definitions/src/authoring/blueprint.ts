/**
 * The plain description each kind of definition hands to `Definitions`, which resolves
 * references between them into execution steps and the manifest. Internal: users see
 * `SingleAssetDefinition`, `MultiAssetDefinition` and friends.
 */
import type { BackfillPolicy, PartitionMapping, PartitionsDefinition } from "@strata/protocol";
import type { NormalizedAttributes } from "./asset-attributes.js";
import type { StepCheckSpec } from "./checks.js";
import type { AssetsDefinition } from "./assets-definition.js";
import type { NormalizedRetryPolicy } from "./retry-policy.js";
import type { StepContext } from "../execution/step-context-impl.js";

/** Where an input or dep comes from, before resolution, with its explicit partition mapping if any. */
export type UpstreamRef =
  /** An asset of a definition object the user referenced: it must be part of the same Definitions. */
  | { kind: "definition"; def: AssetsDefinition; outputName: string; key: readonly string[]; mapping?: PartitionMapping }
  /** An asset named by key: in this location if some definition produces it, else another location's. */
  | { kind: "key"; key: readonly string[]; mapping?: PartitionMapping };

export interface BlueprintInput {
  name: string;
  upstream: UpstreamRef;
  /** Which IO manager loads an asset of another location; in-location inputs use the producer's. */
  ioManagerKey: string;
}

export interface BlueprintAsset {
  key: readonly string[];
  keyString: string;
  outputName: string;
  attributes: NormalizedAttributes;
  isRequired: boolean;
  ioManagerKey: string;
  /** Upstream assets of this asset only (a multi-asset's `internalAssetDeps`); `null` = all of the definition's. */
  internalDeps: UpstreamRef[] | null;
  /** For graph assets: the op invocation and output producing this asset. */
  producer: { node: OpNode; output: string } | null;
}

/** An op as declared with `op(...)`. */
export interface OpSpec {
  name: string;
  fn: (...args: unknown[]) => unknown;
  /** Output names; `null` for the single output "result". */
  outs: readonly string[] | null;
  retryPolicy: NormalizedRetryPolicy | null;
  resourceKeys: readonly string[];
  description: string | null;
  ioManagerKey: string;
}

/** A value inside a graph: an op invocation's output, or one of the graph's inputs. */
export type GraphValue = { kind: "node"; node: OpNode; output: string } | { kind: "input"; name: string };

/** One invocation of an op in a graph; it becomes one step. */
export interface OpNode {
  /** Unique in its graph: the op's name, suffixed `_2`, `_3`… when invoked again. */
  name: string;
  op: OpSpec;
  args: GraphValue[];
}

interface BlueprintBase {
  /** The step key (asset, multi-asset) or step-key prefix (graphs). */
  name: string;
  /** How error messages name the definition, e.g. `asset "sales/orders"`. */
  culprit: string;
  inputs: BlueprintInput[];
  deps: UpstreamRef[];
  assets: BlueprintAsset[];
  canSubset: boolean;
  /** How every asset of the definition is partitioned, or `null`. */
  partitions: PartitionsDefinition | null;
  backfillPolicy: BackfillPolicy | null;
}

export interface ComputeBlueprint extends BlueprintBase {
  kind: "asset" | "multi_asset";
  /** Checks the function yields results of (`checks: [checkSpec(...)]`). */
  checks: StepCheckSpec[];
  retryPolicy: NormalizedRetryPolicy | null;
  resourceKeys: readonly string[];
  fn: (inputs: Record<string, unknown>, ctx: StepContext) => unknown;
}

export interface GraphBlueprint extends BlueprintBase {
  kind: "graph_asset" | "graph_multi_asset";
  nodes: OpNode[];
}

export type Blueprint = ComputeBlueprint | GraphBlueprint;
