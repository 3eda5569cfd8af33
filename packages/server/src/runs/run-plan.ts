import { checksOfRun, type Manifest, type RunSelection } from "@strata/protocol";

/**
 * The plan a run stores: which steps to execute and, for a re-execution, which outputs of the
 * parent run to load instead of recomputing. Plain, versioned JSON read by the location.
 */
export interface RunPlan {
  planVersion: 1;
  stepKeys: string[];
  assetKeys: string[];
  reusedOutputs: { stepKey: string; output: string; runId: string }[];
  /**
   * The checks the run evaluates (`checksOfRun`): PLANNED executions at launch, and the only
   * checks whose results it may report. Absent from plans stored before checks.
   */
  checkKeys?: string[];
}

export function readPlan(value: unknown): RunPlan {
  const plan = value as Partial<RunPlan> | null;
  return {
    planVersion: 1,
    stepKeys: plan?.stepKeys ?? [],
    assetKeys: plan?.assetKeys ?? [],
    reusedOutputs: plan?.reusedOutputs ?? [],
    checkKeys: plan?.checkKeys ?? [],
  };
}

/** The plan of a selection made from `manifest`, with the checks it evaluates. */
export function planOf(manifest: Manifest, selection: RunSelection, reusedOutputs: RunPlan["reusedOutputs"] = []): RunPlan {
  return {
    planVersion: 1,
    stepKeys: selection.stepKeys,
    assetKeys: selection.assetKeys,
    reusedOutputs,
    checkKeys: checksOfRun(manifest, selection).map((c) => c.key),
  };
}
