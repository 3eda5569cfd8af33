import type { Manifest } from "@strata/protocol";
import type { ReexecutionStrategy } from "@strata/protocol";
import { selectSteps, SelectionError, type RunSelection } from "@strata/protocol";

/**
 * A run exactly as the server planned and stored it: the steps to execute, the assets they
 * materialize, and, for a re-execution, where the values of steps that do not run again come
 * from. A worker executes it as given, without planning anything itself, so the server and
 * every replica of the location agree on what the run does.
 *
 * @example
 * ```ts
 * const plan: PlannedRun = {
 *   stepKeys: ["b", "c"],
 *   assetKeys: ["b", "c"],
 *   reusedOutputs: [{ stepKey: "a", output: "result", runId: parentRunId }],
 *   parentRunId,
 *   rootRunId: parentRunId,
 *   strategy: "FROM_FAILURE",
 * };
 * await executeRun(defs, { runId, plan });
 * ```
 */
export interface PlannedRun {
  stepKeys: readonly string[];
  /** The assets the run materializes; defaults to every asset its steps output. */
  assetKeys?: readonly string[] | undefined;
  /** Outputs of steps not run here that inputs load, and the run that stored each. */
  reusedOutputs?: readonly { stepKey: string; output: string; runId: string }[] | undefined;
  parentRunId?: string | null | undefined;
  rootRunId?: string | null | undefined;
  strategy?: ReexecutionStrategy | null | undefined;
}

/** Where a run's values come from besides its own steps, and which run it re-executes. @internal */
export interface RunLineage {
  parentRunId: string | null;
  rootRunId: string | null;
  strategy: string | null;
  reusedOutputs: { stepKey: string; output: string; runId: string }[];
}

/**
 * Checks a stored plan against these definitions (the code may have changed since the run was
 * launched) and turns it into a selection. Throws a `SelectionError` for a step or asset the
 * code no longer has, an asset no selected step outputs, part of a multi-asset that cannot be
 * subset, or a reused output of a step the code does not have.
 * @internal
 */
export function selectPlannedRun(manifest: Manifest, plan: PlannedRun): { selection: RunSelection; lineage: RunLineage } {
  const steps = selectSteps(manifest, plan.stepKeys);
  let assetKeys = steps.assetKeys;
  if (plan.assetKeys) {
    const produced = new Set(steps.assetKeys);
    const stray = plan.assetKeys.filter((key) => !produced.has(key));
    if (stray.length > 0) {
      throw new SelectionError("unknown_asset", `no selected step outputs ${stray.map((k) => `"${k}"`).join(", ")} in these definitions`);
    }
    const wanted = new Set(plan.assetKeys);
    // A multi-asset that cannot be subset materializes all its assets whenever its step runs.
    const dropped = manifest.assets.filter((a) => produced.has(a.key) && !wanted.has(a.key) && a.multiAsset && !a.multiAsset.canSubset);
    if (dropped.length > 0) {
      const names = [...new Set(dropped.map((a) => a.multiAsset!.name))];
      throw new SelectionError(
        "partial_multi_asset",
        `${names.map((n) => `"${n}"`).join(", ")} cannot be subset, but the plan leaves out ${dropped.map((a) => `"${a.key}"`).join(", ")}`,
      );
    }
    assetKeys = [...wanted].sort();
  }
  const known = new Set(manifest.steps.map((s) => s.key));
  const unknown = (plan.reusedOutputs ?? []).filter((r) => !known.has(r.stepKey));
  if (unknown.length > 0) {
    throw new SelectionError(
      "unknown_step",
      `the plan reuses outputs of ${unknown.map((r) => `"${r.stepKey}"`).join(", ")}, which these definitions do not have`,
    );
  }
  return {
    selection: { stepKeys: steps.stepKeys, assetKeys },
    lineage: {
      parentRunId: plan.parentRunId ?? null,
      rootRunId: plan.rootRunId ?? plan.parentRunId ?? null,
      strategy: plan.strategy ?? null,
      reusedOutputs: (plan.reusedOutputs ?? []).map(({ stepKey, output, runId }) => ({ stepKey, output, runId })),
    },
  };
}
