/**
 * RUN_START's payload as the executor writes it for a claimed run (no parent, nothing reused):
 * the server plans re-executions from it, so tests that play a worker send it first.
 *
 * @example
 * report(run.id, [{ seq: 1, type: "RUN_START", timestamp: Date.now(), payload: runStartPayload(run) }]);
 */
export function runStartPayload(run: { id: string; stepKeys: readonly string[]; assetKeys: readonly string[] }) {
  return {
    runId: run.id,
    stepKeys: [...run.stepKeys],
    assetKeys: [...run.assetKeys],
    parentRunId: null,
    rootRunId: null,
    strategy: null,
    reusedOutputs: [],
  };
}
