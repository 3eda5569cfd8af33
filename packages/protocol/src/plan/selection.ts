import { PlanError } from "./plan-error.js";
import type { ManifestCheck } from "../checks.js";
import type { Manifest, ManifestStep } from "../manifest.js";

/**
 * Why a selection cannot run.
 *
 * @example
 * ```ts
 * const userMistakes: SelectionErrorCode[] = ["unknown_asset", "partial_multi_asset"];
 * ```
 */
export type SelectionErrorCode =
  | "unknown_asset"
  | "unknown_step"
  | "unknown_check"
  | "check_requires_materialization"
  | "partial_multi_asset"
  | "empty_selection";

/**
 * Thrown before a run starts when its selection is invalid: an unknown key, or part of a
 * multi-asset that cannot be subset.
 *
 * @example
 * ```ts
 * try {
 *   await materialize(defs, { selection: ["asset_one"] });
 * } catch (error) {
 *   if (error instanceof SelectionError && error.code === "partial_multi_asset") console.error(error.message);
 * }
 * ```
 */
export class SelectionError extends PlanError<SelectionErrorCode> {
  override readonly name = "SelectionError";
}

/**
 * The steps a run executes and the assets it materializes ("sales/orders" form).
 *
 * @example
 * ```ts
 * const selection: RunSelection = resolveSelection(manifest, ["complex_asset"]);
 * ```
 */
export interface RunSelection {
  stepKeys: string[];
  assetKeys: string[];
}

/** Steps of `graph` that `targets` need, following inputs and deps inside the graph. */
function graphAncestors(stepsByKey: ReadonlyMap<string, ManifestStep>, graph: string, targets: readonly string[]): string[] {
  const needed = new Set<string>();
  const queue = [...targets];
  while (queue.length > 0) {
    const key = queue.pop()!;
    if (needed.has(key)) continue;
    needed.add(key);
    const step = stepsByKey.get(key);
    for (const up of [...(step?.inputs ?? []), ...(step?.deps ?? [])]) {
      if (stepsByKey.get(up.stepKey)?.graph === graph) queue.push(up.stepKey);
    }
  }
  return [...needed];
}

/**
 * Resolves a selection of asset keys to the steps that materialize them: an asset's step, a
 * multi-asset's single step (refusing part of one that cannot be subset), and every op of a
 * graph asset. A pure function of the manifest, so the server can apply the same rules. No
 * selection means every asset.
 *
 * @example
 * ```ts
 * const { manifest } = defs.manifest();
 * resolveSelection(manifest, ["complex_asset"]).stepKeys; // ["complex_asset.step_one", "complex_asset.step_two"]
 * ```
 */
export function resolveSelection(
  manifest: Manifest,
  assetKeys?: readonly string[] | null,
  options: { includeChecks?: boolean } = {},
): RunSelection {
  const assetsByKey = new Map(manifest.assets.map((a) => [a.key, a]));
  const stepsByKey = new Map(manifest.steps.map((s) => [s.key, s]));
  const wanted = assetKeys ? [...new Set(assetKeys)] : manifest.assets.map((a) => a.key);
  if (assetKeys && wanted.length === 0) throw new SelectionError("empty_selection", "the selection names no asset");
  const unknown = wanted.filter((key) => !assetsByKey.has(key));
  if (unknown.length > 0)
    throw new SelectionError("unknown_asset", `no asset ${unknown.map((k) => `"${k}"`).join(", ")} in these definitions`);

  const selected = new Set(wanted);
  const steps = new Set<string>();
  const graphTargets = new Map<string, string[]>();
  // Each multi-asset that cannot be subset is checked once, whatever the number of its outputs
  // selected (a scan of every asset per output made a 10,000-output multi-asset take seconds).
  const checkedWhole = new Set<string>();
  let outputsOf: Map<string, string[]> | null = null;
  for (const key of wanted) {
    const asset = assetsByKey.get(key)!;
    if (asset.multiAsset && !asset.multiAsset.canSubset && !checkedWhole.has(asset.multiAsset.name)) {
      checkedWhole.add(asset.multiAsset.name);
      outputsOf ??= multiAssetOutputs(manifest);
      const siblings = outputsOf.get(asset.multiAsset.name) ?? [];
      const missing = siblings.filter((k) => !selected.has(k));
      if (missing.length > 0) {
        throw new SelectionError(
          "partial_multi_asset",
          `"${key}" is produced by multi-asset "${asset.multiAsset.name}", which cannot be subset; also select ${missing.map((k) => `"${k}"`).join(", ")}, or give it canSubset: true`,
        );
      }
    }
    if (asset.graphAsset) {
      const targets = graphTargets.get(asset.graphAsset) ?? [];
      targets.push(asset.stepKey);
      graphTargets.set(asset.graphAsset, targets);
    } else {
      steps.add(asset.stepKey);
    }
  }
  for (const [graph, targets] of graphTargets) {
    // A graph that cannot be subset was fully selected (checked above): all its ops run.
    const whole = manifest.steps.filter((s) => s.graph === graph).map((s) => s.key);
    const canSubset = manifest.assets.some((a) => a.graphAsset === graph && a.multiAsset?.canSubset);
    for (const key of canSubset ? graphAncestors(stepsByKey, graph, targets) : whole) steps.add(key);
  }
  // A run selecting an asset evaluates its checks (in its step, or in their own steps after it)
  // unless told not to, as Dagster's jobs do.
  if (options.includeChecks !== false) {
    for (const check of manifest.checks) if (selected.has(check.assetKey) && isCheckStep(stepsByKey, check)) steps.add(check.stepKey);
  }
  return {
    stepKeys: manifest.steps.filter((s) => steps.has(s.key)).map((s) => s.key),
    assetKeys: [...selected].sort(),
  };
}

/** Each multi-asset's assets, by its name. */
function multiAssetOutputs(manifest: Manifest): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const a of manifest.assets) {
    if (!a.multiAsset) continue;
    const list = out.get(a.multiAsset.name);
    if (list) list.push(a.key);
    else out.set(a.multiAsset.name, [a.key]);
  }
  return out;
}

function isCheckStep(stepsByKey: ReadonlyMap<string, ManifestStep>, check: ManifestCheck): boolean {
  return stepsByKey.get(check.stepKey)?.kind === "check";
}

/**
 * A run of checks alone, each in its own step reading its asset's latest stored value. A check
 * its asset yields inside its own step cannot run without materializing the asset: it is
 * refused (`check_requires_materialization`); select the asset instead.
 *
 * @example
 * ```ts
 * selectChecks(manifest, ["sales/orders#no_nulls"]).stepKeys; // ["sales/orders#no_nulls"]
 * ```
 */
export function selectChecks(manifest: Manifest, checkKeys: readonly string[]): RunSelection {
  if (checkKeys.length === 0) throw new SelectionError("empty_selection", "the selection names no check");
  const checksByKey = new Map(manifest.checks.map((c) => [c.key, c]));
  const stepsByKey = new Map(manifest.steps.map((s) => [s.key, s]));
  const unknown = checkKeys.filter((key) => !checksByKey.has(key));
  if (unknown.length > 0)
    throw new SelectionError("unknown_check", `no check ${unknown.map((k) => `"${k}"`).join(", ")} in these definitions`);
  const inStep = checkKeys.filter((key) => !isCheckStep(stepsByKey, checksByKey.get(key)!));
  if (inStep.length > 0) {
    throw new SelectionError(
      "check_requires_materialization",
      `${inStep.map((k) => `"${k}"`).join(", ")} ${inStep.length === 1 ? "is" : "are"} evaluated inside the asset's own step: materialize the asset to run ${inStep.length === 1 ? "it" : "them"}`,
    );
  }
  const wanted = new Set(checkKeys.map((key) => checksByKey.get(key)!.stepKey));
  return { stepKeys: manifest.steps.filter((s) => wanted.has(s.key)).map((s) => s.key), assetKeys: [] };
}

/**
 * The checks a run evaluates: those of its check steps, and those its asset steps yield for the
 * assets it selects.
 *
 * @example
 * ```ts
 * checksOfRun(manifest, resolveSelection(manifest, ["sales/orders"])).map((c) => c.key); // ["sales/orders#no_nulls"]
 * ```
 */
export function checksOfRun(manifest: Manifest, selection: RunSelection): ManifestCheck[] {
  const steps = new Set(selection.stepKeys);
  const assets = new Set(selection.assetKeys);
  const stepsByKey = new Map(manifest.steps.map((s) => [s.key, s]));
  return manifest.checks.filter((c) => steps.has(c.stepKey) && (isCheckStep(stepsByKey, c) || assets.has(c.assetKey)));
}

/**
 * A selection of exact steps (as a server's stored plan names them): every asset they output
 * is selected.
 *
 * @example
 * ```ts
 * selectSteps(manifest, ["my_multi_asset"]).assetKeys; // ["asset_one", "asset_two"]
 * ```
 */
export function selectSteps(manifest: Manifest, stepKeys: readonly string[]): RunSelection {
  const stepsByKey = new Map(manifest.steps.map((s) => [s.key, s]));
  const unknown = stepKeys.filter((key) => !stepsByKey.has(key));
  if (unknown.length > 0)
    throw new SelectionError("unknown_step", `no step ${unknown.map((k) => `"${k}"`).join(", ")} in these definitions`);
  if (stepKeys.length === 0) throw new SelectionError("empty_selection", "the selection names no step");
  const wanted = new Set(stepKeys);
  return {
    stepKeys: manifest.steps.filter((s) => wanted.has(s.key)).map((s) => s.key),
    assetKeys: stepKeys.flatMap((key) => stepsByKey.get(key)!.outputs.flatMap((o) => (o.assetKey ? [o.assetKey] : []))).sort(),
  };
}
