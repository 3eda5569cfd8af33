import type { PartitionMapping, PartitionsDefinition } from "@strata/protocol";
import type { StepCheckSpec } from "./checks.js";
import type { MetadataEntry } from "./metadata.js";
import type { NormalizedRetryPolicy } from "./retry-policy.js";
import type { UserCodeSource } from "../execution/user-code-error.js";

/** A value input of a step, resolved. */
export interface StepInputSpec {
  name: string;
  /**
   * The producing step in this location, or `null` for another location's asset and for a
   * self-dependency (`self`), which the run does not wire: it loads what earlier runs stored.
   */
  source: { stepKey: string; output: string } | null;
  /**
   * True when the input reads earlier partitions of an asset its own step produces (a
   * self-dependent asset, Dagster's `AssetIn(key=<itself>, partition_mapping=...)`).
   */
  self: boolean;
  /** The upstream asset, or `null` for an op's intermediate output. */
  assetKey: readonly string[] | null;
  assetKeyString: string | null;
  /** The IO manager that loads it. */
  ioManagerKey: string;
  /** How the upstream asset is partitioned (`null`: not, or unknown for another location's asset). */
  upstreamPartitions: PartitionsDefinition | null;
  /** The explicit partition mapping, or `null` to infer it. */
  mapping: PartitionMapping | null;
}

/** A lineage-only upstream of a step in this location. */
export interface StepDepSpec {
  stepKey: string;
  output: string;
  assetKeyString: string;
}

export interface StepOutputSpec {
  name: string;
  assetKey: readonly string[] | null;
  assetKeyString: string | null;
  isRequired: boolean;
  ioManagerKey: string;
  definitionMetadata: Record<string, MetadataEntry>;
}

/** One executable step, resolved from the definitions. @internal */
export interface StepSpec {
  key: string;
  /** "check": an `assetCheck` in a step of its own (no outputs; it reads its asset). */
  kind: "asset" | "multi_asset" | "op" | "check";
  source: UserCodeSource;
  /** The checks it evaluates: an asset's in-step checks, or a check step's one check. */
  checks: readonly StepCheckSpec[];
  inputs: StepInputSpec[];
  deps: StepDepSpec[];
  outputs: StepOutputSpec[];
  outputsByName: ReadonlyMap<string, StepOutputSpec>;
  retryPolicy: NormalizedRetryPolicy | null;
  resourceKeys: readonly string[];
  canSubset: boolean;
  /** How the assets of the step's definition are partitioned (ops of a graph asset share it). */
  partitions: PartitionsDefinition | null;
  graph: string | null;
  opName: string | null;
  /** Distinct steps of this location it waits for (inputs and deps). */
  upstreamSteps: readonly string[];
  /** Calls the user's function with the loaded input values (in `inputs` order) and a context. */
  invoke(values: readonly unknown[], ctx: unknown): unknown;
}
