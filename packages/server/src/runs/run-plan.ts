/**
 * The plan a run stores: which steps to execute and, for a re-execution, which outputs of the
 * parent run to load instead of recomputing. Plain, versioned JSON read by the location.
 */
export interface RunPlan {
  planVersion: 1;
  stepKeys: string[];
  assetKeys: string[];
  reusedOutputs: { stepKey: string; output: string; runId: string }[];
}

export function readPlan(value: unknown): RunPlan {
  const plan = value as Partial<RunPlan> | null;
  return {
    planVersion: 1,
    stepKeys: plan?.stepKeys ?? [],
    assetKeys: plan?.assetKeys ?? [],
    reusedOutputs: plan?.reusedOutputs ?? [],
  };
}
