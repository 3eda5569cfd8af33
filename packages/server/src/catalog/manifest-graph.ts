import { findCycle, type PartitionMapping, type PartitionsDefinition, selfDependencyProblem } from "@strata/protocol";
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
  const problems: ManifestProblem[] = [];
  const steps = new Map<string, number>();
  manifest.steps.forEach((step, i) => {
    if (steps.has(step.key))
      problems.push({ path: `steps.${i}.key`, code: "duplicate_step_key", message: `duplicate step key "${step.key}"` });
    else steps.set(step.key, i);
  });
  // Planning walks these wirings, so each must name a step of this manifest.
  manifest.steps.forEach((step, i) => {
    for (const [list, wired] of [
      ["inputs", step.inputs],
      ["deps", step.deps],
    ] as const) {
      for (const input of wired) {
        if (steps.has(input.stepKey)) continue;
        problems.push({
          path: `steps.${i}.${list}`,
          code: "missing_upstream",
          message: `step "${step.key}" is wired to step "${input.stepKey}", which the manifest does not define`,
        });
      }
    }
  });
  const producers = new Map<string, string>();
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
  manifest.steps.forEach((step, i) => {
    unique(step, i, "outputs", step.outputs);
    unique(step, i, "inputs", step.inputs);
    step.outputs.forEach((output, j) => {
      if (output.assetKey === null) return;
      const producer = producers.get(output.assetKey);
      if (producer !== undefined) {
        problems.push({
          path: `steps.${i}.outputs.${j}.assetKey`,
          code: "duplicate_key",
          message: `asset "${output.assetKey}" is produced by step "${producer}" and by step "${step.key}"`,
        });
      } else producers.set(output.assetKey, step.key);
    });
  });
  const keys = new Map<string, number>();
  manifest.assets.forEach((asset, i) => {
    if (keys.has(asset.key))
      problems.push({ path: `assets.${i}.key`, code: "duplicate_key", message: `duplicate asset key "${asset.key}"` });
    else keys.set(asset.key, i);
    if (!steps.has(asset.stepKey)) {
      problems.push({
        path: `assets.${i}.stepKey`,
        code: "missing_upstream",
        message: `asset "${asset.key}" names step "${asset.stepKey}", which the manifest does not define`,
      });
    } else if (producers.get(asset.key) !== asset.stepKey) {
      problems.push({
        path: `assets.${i}.stepKey`,
        code: "inconsistent",
        message: `step "${asset.stepKey}" has no output for asset "${asset.key}"`,
      });
    }
  });
  for (const [key, step] of producers) {
    if (!keys.has(key))
      problems.push({
        path: `steps.${steps.get(step)}.outputs`,
        code: "inconsistent",
        message: `step "${step}" outputs asset "${key}", which the manifest's assets do not list`,
      });
  }
  // An asset may read earlier partitions of itself (a self-dependent asset): that edge is no
  // cycle when its mapping reaches only earlier partitions, and is left out of the search below.
  manifest.assets.forEach((asset, i) => {
    if (!asset.deps.includes(asset.key)) return;
    const problem = selfDependencyProblem(asset.partitions ?? null, asset.partitionMappings?.[asset.key]);
    if (problem) problems.push({ path: `assets.${i}.deps`, code: "cycle", message: `asset "${asset.key}" depends on itself: ${problem}` });
  });
  // Lineage may point at other locations' keys; only edges among this manifest's assets can loop.
  const depsOf = (key: string) => manifest.assets[keys.get(key)!]!.deps.filter((d) => keys.has(d) && d !== key);
  const assetCycle = findCycle(cycleRoots?.assets.filter((k) => keys.has(k)) ?? [...keys.keys()], depsOf);
  if (assetCycle)
    problems.push({
      path: "assets",
      code: "cycle",
      message: `assets depend on each other in a cycle: ${assetCycle.reverse().join(" → ")}`,
    });
  // Steps can loop even when assets do not: a multi-asset consuming an asset built from its own output.
  const upstreamOf = (key: string) => {
    const step = manifest.steps[steps.get(key)!];
    // A step wired to one the manifest lacks was reported above.
    return step ? [...step.inputs, ...step.deps].map((i) => i.stepKey).filter((k) => steps.has(k)) : [];
  };
  const stepCycle = findCycle(cycleRoots?.steps.filter((k) => steps.has(k)) ?? [...steps.keys()], upstreamOf);
  if (stepCycle)
    problems.push({ path: "steps", code: "cycle", message: `steps depend on each other in a cycle: ${stepCycle.reverse().join(" → ")}` });
  return problems;
}
