import type { AssetCheckDefinition } from "./asset-check.js";
import { assetKeyToString } from "./asset-key.js";
import type { AssetsDefinition } from "./assets-definition.js";
import type { Blueprint, BlueprintAsset, BlueprintInput, GraphBlueprint, OpNode, UpstreamRef } from "./blueprint.js";
import { DefinitionError } from "./definition-error.js";
import { selfDependencyProblem } from "@strata/protocol";
import type { StepDepSpec, StepInputSpec, StepOutputSpec, StepSpec } from "./step-spec.js";

/** Where an asset is produced: its step, output and IO manager. */
export interface AssetProducer {
  stepKey: string;
  output: string;
  ioManagerKey: string;
  asset: BlueprintAsset;
  blueprint: Blueprint;
}

/** The steps of a set of definitions, with each asset's producer. @internal */
export interface BuiltSteps {
  steps: StepSpec[];
  producers: Map<string, AssetProducer>;
}

function opStepKey(graph: string, node: OpNode): string {
  return `${graph}.${node.name}`;
}

function producerOf(blueprint: Blueprint, asset: BlueprintAsset): { stepKey: string; output: string } {
  if (blueprint.kind === "asset" || blueprint.kind === "multi_asset") return { stepKey: blueprint.name, output: asset.outputName };
  const producer = asset.producer!;
  return { stepKey: opStepKey(blueprint.name, producer.node), output: producer.output };
}

function describeRef(ref: UpstreamRef): string {
  return `asset "${assetKeyToString(ref.key)}"`;
}

/**
 * Resolves the definitions' references into executable steps. Throws a `DefinitionError` for a
 * duplicate asset key or step key, and for a reference to a definition that is not included.
 * @internal
 */
export function buildSteps(definitions: readonly AssetsDefinition[], checks: readonly AssetCheckDefinition[] = []): BuiltSteps {
  const included = new Set<AssetsDefinition>(definitions);
  const producers = new Map<string, AssetProducer>();
  for (const def of definitions) {
    const blueprint = def.blueprint;
    for (const asset of blueprint.assets) {
      const existing = producers.get(asset.keyString);
      if (existing) {
        throw new DefinitionError(
          "duplicate_key",
          `asset "${asset.keyString}"`,
          `defined twice, by ${existing.blueprint.culprit} and by ${blueprint.culprit}`,
        );
      }
      const { stepKey, output } = producerOf(blueprint, asset);
      producers.set(asset.keyString, { stepKey, output, ioManagerKey: asset.ioManagerKey, asset, blueprint });
    }
  }

  const resolve = (ref: UpstreamRef, culprit: string, what: string): AssetProducer | null => {
    const keyString = assetKeyToString(ref.key);
    if (ref.kind === "definition" && !included.has(ref.def)) {
      throw new DefinitionError(
        "missing_upstream",
        culprit,
        `${what} refers to ${describeRef(ref)} (${ref.def.blueprint.culprit}), which is not part of these definitions; ` +
          `add it to assets, or name it by key (new AssetIn({ key: "${keyString}" })) if another code location produces it`,
      );
    }
    return producers.get(keyString) ?? null;
  };

  /**
   * Whether `producer` is the step `stepKey` itself: the definition reads its own asset, which it
   * may only do through a mapping to strictly earlier partitions (checked here, as Dagster does).
   * Such a reference is no edge between steps: a run loads what earlier runs stored.
   */
  const isSelf = (producer: AssetProducer | null, stepKey: string | null, ref: UpstreamRef, culprit: string): boolean => {
    if (!producer || stepKey === null || producer.stepKey !== stepKey) return false;
    const problem = selfDependencyProblem(producer.blueprint.partitions, ref.mapping ?? null);
    if (problem) throw new DefinitionError("self_dependency", culprit, `depends on itself ("${producer.asset.keyString}"): ${problem}`);
    return true;
  };

  const resolveInput = (input: BlueprintInput, culprit: string, stepKey: string | null): StepInputSpec => {
    const producer = resolve(input.upstream, culprit, `input "${input.name}"`);
    const assetKeyString = assetKeyToString(input.upstream.key);
    const self = isSelf(producer, stepKey, input.upstream, culprit);
    return {
      name: input.name,
      source: producer && !self ? { stepKey: producer.stepKey, output: producer.output } : null,
      self,
      assetKey: input.upstream.key,
      assetKeyString,
      ioManagerKey: producer ? producer.ioManagerKey : input.ioManagerKey,
      upstreamPartitions: producer ? producer.blueprint.partitions : null,
      mapping: input.upstream.mapping ?? null,
    };
  };

  const resolveDeps = (refs: readonly UpstreamRef[], culprit: string, stepKey: string | null): StepDepSpec[] => {
    const deps: StepDepSpec[] = [];
    for (const ref of refs) {
      const producer = resolve(ref, culprit, "a dep");
      // A lineage-only dep on earlier partitions of itself orders backfill runs, not steps.
      if (producer && !isSelf(producer, stepKey, ref, culprit))
        deps.push({ stepKey: producer.stepKey, output: producer.output, assetKeyString: producer.asset.keyString });
    }
    return deps;
  };

  const steps: StepSpec[] = [];
  for (const def of definitions) {
    const blueprint = def.blueprint;
    // Resolving deps also checks internalAssetDeps references, which only affect lineage.
    const ownStep = blueprint.kind === "asset" || blueprint.kind === "multi_asset" ? blueprint.name : null;
    for (const asset of blueprint.assets) if (asset.internalDeps) resolveDeps(asset.internalDeps, blueprint.culprit, null);
    if (blueprint.kind === "asset" || blueprint.kind === "multi_asset") {
      const inputs = blueprint.inputs.map((i) => resolveInput(i, blueprint.culprit, ownStep));
      const deps = resolveDeps(blueprint.deps, blueprint.culprit, ownStep);
      const outputs = blueprint.assets.map(
        (a): StepOutputSpec => ({
          name: a.outputName,
          assetKey: a.key,
          assetKeyString: a.keyString,
          isRequired: a.isRequired,
          ioManagerKey: a.ioManagerKey,
          definitionMetadata: a.attributes.metadata,
        }),
      );
      const names = inputs.map((i) => i.name);
      const fn = blueprint.fn;
      steps.push(
        finishStep({
          key: blueprint.name,
          kind: blueprint.kind,
          source: { kind: blueprint.kind, name: blueprint.name },
          checks: blueprint.checks,
          inputs,
          deps,
          outputs,
          retryPolicy: blueprint.retryPolicy,
          resourceKeys: blueprint.resourceKeys,
          canSubset: blueprint.canSubset,
          partitions: blueprint.partitions,
          graph: null,
          opName: null,
          invoke: (values, ctx) => {
            const byName: Record<string, unknown> = {};
            for (let i = 0; i < names.length; i++) byName[names[i]!] = values[i];
            return fn(byName, ctx as never);
          },
        }),
      );
    } else {
      // Narrowing does not survive the closures above; the kind check guarantees a graph here.
      steps.push(
        ...graphSteps(
          blueprint as GraphBlueprint,
          (input) => resolveInput(input, blueprint.culprit, null),
          resolveDeps(blueprint.deps, blueprint.culprit, null),
        ),
      );
    }
  }
  for (const check of checks) steps.push(checkStep(check, resolveInput(check.blueprint.input, check.blueprint.culprit, null), producers));
  const seen = new Map<string, StepSpec>();
  const checkKeys = new Map<string, string>();
  for (const step of steps) {
    for (const check of step.checks) {
      const other = checkKeys.get(check.key);
      if (other !== undefined) {
        throw new DefinitionError("duplicate_key", `check "${check.key}"`, `defined twice, by step "${other}" and by step "${step.key}"`);
      }
      checkKeys.set(check.key, step.key);
    }
    const clash = seen.get(step.key);
    if (clash) {
      throw new DefinitionError(
        "duplicate_step_key",
        `step "${step.key}"`,
        `both a ${clash.kind.replace("_", "-")} and a ${step.kind.replace("_", "-")} use this step key; rename one of them`,
      );
    }
    seen.set(step.key, step);
  }
  return { steps: withBlockingEdges(steps), producers };
}

/** A separate check's step: it reads its asset (as an input named after it) and outputs nothing. */
function checkStep(check: AssetCheckDefinition, input: StepInputSpec, producers: ReadonlyMap<string, AssetProducer>): StepSpec {
  const blueprint = check.blueprint;
  const producer = producers.get(blueprint.assetKeyString);
  const fn = blueprint.fn;
  return finishStep({
    key: blueprint.key,
    kind: "check",
    source: { kind: "check", name: blueprint.key },
    checks: [
      {
        key: blueprint.key,
        name: blueprint.name,
        assetKeyString: blueprint.assetKeyString,
        blocking: blueprint.blocking,
        description: blueprint.description,
      },
    ],
    inputs: [input],
    deps: [],
    outputs: [],
    retryPolicy: blueprint.retryPolicy,
    resourceKeys: blueprint.resourceKeys,
    canSubset: false,
    // A check of a partitioned asset runs over the run's partitions of it.
    partitions: producer ? producer.blueprint.partitions : null,
    graph: null,
    opName: null,
    invoke: (values, ctx) => fn(values[0], ctx),
  });
}

/**
 * A blocking check step must end before anything that reads its asset starts: those steps wait
 * for it too (other check steps of the same asset do not, they check the same value).
 */
function withBlockingEdges(steps: StepSpec[]): StepSpec[] {
  const blockers = new Map<string, string[]>();
  for (const step of steps) {
    if (step.kind !== "check" || !step.checks[0]!.blocking) continue;
    const asset = step.checks[0]!.assetKeyString;
    blockers.set(asset, [...(blockers.get(asset) ?? []), step.key]);
  }
  if (blockers.size === 0) return steps;
  return steps.map((step) => {
    if (step.kind === "check") return step;
    const read = [
      ...step.inputs.flatMap((i) => (i.source && i.assetKeyString ? [i.assetKeyString] : [])),
      ...step.deps.map((d) => d.assetKeyString),
    ];
    const extra = read.flatMap((asset) => blockers.get(asset) ?? []);
    return extra.length === 0 ? step : { ...step, upstreamSteps: [...new Set([...step.upstreamSteps, ...extra])] };
  });
}

function graphSteps(blueprint: GraphBlueprint, resolveInput: (input: BlueprintInput) => StepInputSpec, deps: StepDepSpec[]): StepSpec[] {
  const graphInputs = new Map(blueprint.inputs.map((i) => [i.name, resolveInput(i)]));
  const assetFor = new Map<string, BlueprintAsset>();
  for (const asset of blueprint.assets) assetFor.set(`${asset.producer!.node.name}\u0000${asset.producer!.output}`, asset);
  return blueprint.nodes.map((node) => {
    const key = opStepKey(blueprint.name, node);
    const inputs = node.args.map((arg, index): StepInputSpec => {
      const name = `arg${index}`;
      if (arg.kind === "input") return { ...graphInputs.get(arg.name)!, name };
      const asset = assetFor.get(`${arg.node.name}\u0000${arg.output}`);
      return {
        name,
        source: { stepKey: opStepKey(blueprint.name, arg.node), output: arg.output },
        assetKey: asset ? asset.key : null,
        assetKeyString: asset ? asset.keyString : null,
        ioManagerKey: asset ? asset.ioManagerKey : arg.node.op.ioManagerKey,
        // An asset of this graph is partitioned like the graph; an op's intermediate output is per run.
        upstreamPartitions: asset ? blueprint.partitions : null,
        mapping: null,
        self: false,
      };
    });
    const outputs = (node.op.outs ?? ["result"]).map((name): StepOutputSpec => {
      const asset = assetFor.get(`${node.name}\u0000${name}`);
      return {
        name,
        assetKey: asset ? asset.key : null,
        assetKeyString: asset ? asset.keyString : null,
        isRequired: asset ? asset.isRequired : true,
        ioManagerKey: asset ? asset.ioManagerKey : node.op.ioManagerKey,
        definitionMetadata: asset ? asset.attributes.metadata : {},
      };
    });
    const fn = node.op.fn;
    return finishStep({
      key,
      kind: "op",
      source: { kind: "op", name: key },
      checks: [],
      inputs,
      // A graph's deps order every op of the graph: the graph as a whole comes after them.
      deps,
      outputs,
      retryPolicy: node.op.retryPolicy,
      resourceKeys: node.op.resourceKeys,
      canSubset: false,
      partitions: blueprint.partitions,
      graph: blueprint.name,
      opName: node.name,
      invoke: (values, ctx) => fn(...values, ctx),
    });
  });
}

/**
 * Completes `step`, a fresh object of the caller's, in place: copying its fields into another
 * object (a spread) was a tenth of building 100,000 steps.
 */
function finishStep(step: Omit<StepSpec, "outputsByName" | "upstreamSteps">): StepSpec {
  const upstream = new Set<string>();
  for (const input of step.inputs) if (input.source) upstream.add(input.source.stepKey);
  for (const dep of step.deps) upstream.add(dep.stepKey);
  const finished = step as StepSpec;
  finished.outputsByName = new Map(step.outputs.map((o) => [o.name, o]));
  finished.upstreamSteps = [...upstream];
  return finished;
}
