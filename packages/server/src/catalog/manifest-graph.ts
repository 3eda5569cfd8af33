import { findIndexedCycle, type PartitionMapping, type PartitionsDefinition, selfDependencyProblem } from "@strata/protocol";
import type { ManifestProblem } from "../errors.js";

/** The parts of a manifest whose wiring this file checks (see manifest.ts for the full shape). */
interface ManifestGraph {
  assets: ReadonlyArray<{
    key: string;
    deps: readonly string[];
    stepKey: string;
    partitions?: PartitionsDefinition | null;
    partitionMappings?: Readonly<Record<string, PartitionMapping>>;
  }>;
  steps: ReadonlyArray<{
    key: string;
    inputs: ReadonlyArray<{ name: string; stepKey: string }>;
    outputs: ReadonlyArray<{ name: string; assetKey: string | null }>;
    deps: ReadonlyArray<{ stepKey: string }>;
  }>;
}

/**
 * What `new Definitions(...)` refuses, checked again on the wire, since a manifest can be written
 * by hand or altered: duplicate keys in every place a key must be unique, assets and steps that
 * disagree about who produces what, and cycles (a run could never order its steps). Each problem
 * carries the definitions package's code for the same mistake.
 */
export function manifestGraphProblems(
  manifest: ManifestGraph,
  /**
   * Where cycles can start: the keys of the assets and steps that are new or rewired relative to
   * a manifest that passed these checks, all of whose other edges this one keeps or drops (a
   * delta, manifest-bases.ts). Any new cycle runs through a new edge, and each new edge leaves or
   * enters one of these; so the search starts from them alone. Omitted: from every node.
   */
  cycleRoots?: { assets: readonly string[]; steps: readonly string[] },
): ManifestProblem[] {
  // Assets and steps are known by their indexes (a repeated key by its first one), each key
  // looked up once: for 100,000 assets the string-keyed maps' ~2 million lookups were most of
  // these checks' ~0.6-0.9 s.
  const problems: ManifestProblem[] = [];
  const { assets, steps: stepList } = manifest;
  const steps = new Map<string, number>();
  stepList.forEach((step, i) => {
    if (steps.get(step.key) !== undefined)
      problems.push({ path: `steps.${i}.key`, code: "duplicate_step_key", message: `duplicate step key "${step.key}"` });
    else steps.set(step.key, i);
  });
  // Planning walks these wirings, so each must name a step of this manifest. Step i's upstream
  // steps, for the cycle search below: upstream[upstreamFirst[i] .. upstreamFirst[i + 1]].
  const upstreamFirst = new Int32Array(stepList.length + 1);
  const upstream: number[] = [];
  stepList.forEach((step, i) => {
    upstreamFirst[i] = upstream.length;
    for (const [list, wired] of [
      ["inputs", step.inputs],
      ["deps", step.deps],
    ] as const) {
      for (const input of wired) {
        const j = steps.get(input.stepKey);
        if (j !== undefined) {
          upstream.push(j);
          continue;
        }
        problems.push({
          path: `steps.${i}.${list}`,
          code: "missing_upstream",
          message: `step "${step.key}" is wired to step "${input.stepKey}", which the manifest does not define`,
        });
      }
    }
  });
  upstreamFirst[stepList.length] = upstream.length;
  // Each asset key's first index, and each asset's (a repeated key's first).
  const keys = new Map<string, number>();
  const first = new Int32Array(assets.length);
  assets.forEach((asset, i) => {
    const seen = keys.get(asset.key);
    if (seen === undefined) keys.set(asset.key, i);
    first[i] = seen ?? i;
  });
  // The step producing each asset key (its index; -1: none), and those of keys no asset lists.
  const producerOf = new Int32Array(assets.length).fill(-1);
  const unlisted = new Map<string, number>();
  // Names within one step: usually one or two, compared pairwise then (a Set per step cost more
  // than the rest of these checks for 10,000 steps); a many-output multi-asset gets a Set.
  const unique = (step: { key: string }, i: number, list: "outputs" | "inputs", named: ReadonlyArray<{ name: string }>) => {
    const seen = named.length > 8 ? new Set<string>() : null;
    for (let j = 0; j < named.length; j++) {
      const name = named[j]!.name;
      let twice = false;
      if (seen) {
        twice = seen.has(name);
        seen.add(name);
      } else for (let k = 0; k < j && !twice; k++) twice = named[k]!.name === name;
      if (twice)
        problems.push({
          path: `steps.${i}.${list}.${j}.name`,
          code: "duplicate_key",
          message: `step "${step.key}" names ${list === "outputs" ? "output" : "input"} "${name}" twice`,
        });
    }
  };
  stepList.forEach((step, i) => {
    unique(step, i, "outputs", step.outputs);
    unique(step, i, "inputs", step.inputs);
    step.outputs.forEach((output, j) => {
      if (output.assetKey === null) return;
      const asset = keys.get(output.assetKey);
      const producer = asset === undefined ? unlisted.get(output.assetKey) : producerOf[asset]! < 0 ? undefined : producerOf[asset];
      if (producer !== undefined) {
        problems.push({
          path: `steps.${i}.outputs.${j}.assetKey`,
          code: "duplicate_key",
          message: `asset "${output.assetKey}" is produced by step "${stepList[producer]!.key}" and by step "${step.key}"`,
        });
      } else if (asset === undefined) unlisted.set(output.assetKey, i);
      else producerOf[asset] = i;
    });
  });
  assets.forEach((asset, i) => {
    if (first[i] !== i) problems.push({ path: `assets.${i}.key`, code: "duplicate_key", message: `duplicate asset key "${asset.key}"` });
    const producer = producerOf[first[i]!]!;
    if (producer >= 0 && stepList[producer]!.key === asset.stepKey) return;
    if (steps.get(asset.stepKey) === undefined) {
      problems.push({
        path: `assets.${i}.stepKey`,
        code: "missing_upstream",
        message: `asset "${asset.key}" names step "${asset.stepKey}", which the manifest does not define`,
      });
    } else {
      problems.push({
        path: `assets.${i}.stepKey`,
        code: "inconsistent",
        message: `step "${asset.stepKey}" has no output for asset "${asset.key}"`,
      });
    }
  });
  for (const [key, step] of unlisted) {
    problems.push({
      path: `steps.${steps.get(stepList[step]!.key)}.outputs`,
      code: "inconsistent",
      message: `step "${stepList[step]!.key}" outputs asset "${key}", which the manifest's assets do not list`,
    });
  }
  // An asset may read earlier partitions of itself (a self-dependent asset): that edge is no
  // cycle when its mapping reaches only earlier partitions, and is left out of the search below.
  // Such assets are noticed as the search asks for the edges (a repeated key's are not asked).
  const selfDependent: number[] = [];
  // Lineage may point at other locations' keys; only edges among this manifest's assets can loop.
  const assetCycle = findIndexedCycle(
    assets.length,
    (i, add) => {
      if (first[i] !== i) {
        if (assets[i]!.deps.includes(assets[i]!.key)) selfDependent.push(i);
        return;
      }
      let self = false;
      for (const dep of assets[i]!.deps) {
        const j = keys.get(dep);
        if (j === i) self = true;
        else if (j !== undefined) add(j);
      }
      if (self) selfDependent.push(i);
    },
    cycleRoots ? indexesOf(cycleRoots.assets, keys) : keys.values(),
  );
  for (const i of selfDependent) {
    const asset = assets[i]!;
    const problem = selfDependencyProblem(asset.partitions ?? null, asset.partitionMappings?.[asset.key]);
    if (problem) problems.push({ path: `assets.${i}.deps`, code: "cycle", message: `asset "${asset.key}" depends on itself: ${problem}` });
  }
  if (assetCycle)
    problems.push(
      cycleProblem(
        "assets",
        assetCycle.map((i) => assets[i]!.key),
      ),
    );
  // Steps can loop even when assets do not: a multi-asset consuming an asset built from its own output.
  const stepCycle = findIndexedCycle(
    stepList.length,
    (i, add) => {
      if (steps.get(stepList[i]!.key) !== i) return;
      for (let e = upstreamFirst[i]!; e < upstreamFirst[i + 1]!; e++) add(upstream[e]!);
    },
    cycleRoots ? indexesOf(cycleRoots.steps, steps) : steps.values(),
  );
  if (stepCycle)
    problems.push(
      cycleProblem(
        "steps",
        stepCycle.map((i) => stepList[i]!.key),
      ),
    );
  return problems;
}

/** A cycle found among `list`'s items (their keys, closed), as it is reported: from downstream to upstream. */
function cycleProblem(list: "assets" | "steps", keys: string[]): ManifestProblem {
  return { path: list, code: "cycle", message: `${list} depend on each other in a cycle: ${keys.reverse().join(" → ")}` };
}

/** The indexes of those of `keys` that `index` has, in their order. */
function indexesOf(keys: readonly string[], index: ReadonlyMap<string, number>): number[] {
  const found: number[] = [];
  for (const key of keys) {
    const i = index.get(key);
    if (i !== undefined) found.push(i);
  }
  return found;
}
