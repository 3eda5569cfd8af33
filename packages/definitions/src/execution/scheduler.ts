import { serializeError } from "./serialize-error.js";
import { runProduces, type RunState } from "./run-state.js";
import { runStep, type StepOutcome } from "./step-runner.js";
import type { StepSpec } from "../authoring/step-spec.js";

/**
 * How a selected step of a run ended.
 *
 * @example
 * ```ts
 * const rerun = Object.entries(outcome.steps).filter(([, state]: [string, StepState]) => state !== "success");
 * ```
 */
export type StepState = "success" | "failed" | "canceled" | "skipped" | "not_started";

type SkipReason = "upstream_failed" | "output_not_produced" | "blocked_by_check";

/**
 * Runs the selected steps in dependency order, as many at once as the run's slots allow, and
 * skips those whose inputs were not produced. Resolves when no step is left to start (at once
 * on cancellation, once running steps have let go).
 * @internal
 */
export function schedule(run: RunState, order: readonly string[], outcomes: Map<string, StepState>): Promise<void> {
  const { plan, inRun } = run;
  const waiting = new Map<string, number>();
  const skipReason = new Map<string, SkipReason>();
  for (const key of order) waiting.set(key, plan.step(key).upstreamSteps.filter((up) => inRun.has(up)).length);
  let running = 0;
  let settled = 0;
  return new Promise<void>((resolve) => {
    const queue: string[] = order.filter((key) => waiting.get(key) === 0);
    const done = () => {
      if (running === 0 && (settled === order.length || run.signal.aborted)) {
        run.signal.removeEventListener("abort", done);
        resolve();
      }
    };
    run.signal.addEventListener("abort", done);
    const settle = (key: string, outcome: StepState) => {
      outcomes.set(key, outcome);
      settled++;
      for (const next of plan.downstream.get(key) ?? []) {
        if (!inRun.has(next)) continue;
        const left = waiting.get(next)! - 1;
        waiting.set(next, left);
        if (left === 0) queue.push(next);
      }
    };
    const drain = () => {
      while (queue.length > 0 && !run.signal.aborted) {
        const key = queue.shift()!;
        const step = plan.step(key);
        const blockedBy = blockingChecks(run, step);
        if (blockedBy.length > 0) {
          skipReason.set(key, "blocked_by_check");
          run.log.emit(
            "STEP_SKIPPED",
            { reason: "blocked_by_check", missing: [], blockedBy },
            { stepKey: key, message: `skipped "${key}": blocked by check ${blockedBy.join(", ")}` },
          );
          settle(key, "skipped");
          continue;
        }
        const missing = missingUpstream(run, step, outcomes, skipReason);
        if (missing) {
          skipReason.set(key, missing.reason);
          run.log.emit(
            "STEP_SKIPPED",
            { ...missing, blockedBy: [] },
            {
              stepKey: key,
              message: `skipped "${key}": ${missing.reason === "upstream_failed" ? "an upstream step failed" : "an upstream output was not produced"} (${missing.missing.map((m) => `${m.stepKey}.${m.output}`).join(", ")})`,
            },
          );
          settle(key, "skipped");
          continue;
        }
        running++;
        const finish = (outcome: StepOutcome) => {
          running--;
          settle(key, outcome);
          // Once the slice is used up (see SLICE_MS), what is next starts after the event loop has turned.
          if (run.turns.due()) run.turns.after(drain);
          else {
            run.turns.watch();
            drain();
          }
          done();
        };
        // runStep reports every failure as an outcome; should it ever throw (a Strata bug), the
        // step still fails visibly instead of leaving the run waiting forever.
        runStep(run, step).then(finish, (error: unknown) => {
          run.log.emit(
            "STEP_FAILURE",
            { error: serializeError(error), retryNumber: 0, userCode: false, description: null, metadata: {} },
            { stepKey: key, message: `internal error in step "${key}": ${String(error)}` },
          );
          finish("failed");
        });
      }
      done();
    };
    drain();
  });
}

/**
 * The failed blocking checks of the assets a step reads (values and deps). A check step is never
 * blocked: it checks the value, whatever another check said of it.
 */
function blockingChecks(run: RunState, step: StepSpec): string[] {
  if (step.kind === "check" || run.blocked.size === 0) return [];
  const read = [...step.inputs.map((i) => i.assetKeyString), ...step.deps.map((d) => d.assetKeyString)];
  return [...new Set(read.flatMap((asset) => (asset === null ? [] : (run.blocked.get(asset) ?? []))))].sort();
}

/**
 * The upstream outputs a step needs that its run did not produce. The decision is per output,
 * not per step: a multi-asset that failed after yielding `asset_one` still feeds the consumers
 * of `asset_one`, whose stored value is as fresh as if the step had succeeded. (Dagster's
 * executor differs here: it abandons every step downstream of a failed step.)
 */
function missingUpstream(
  run: RunState,
  step: StepSpec,
  outcomes: ReadonlyMap<string, StepState>,
  skipReason: ReadonlyMap<string, SkipReason>,
): { reason: SkipReason; missing: { stepKey: string; output: string }[] } | null {
  let reason: SkipReason = "output_not_produced";
  const missing: { stepKey: string; output: string }[] = [];
  const check = (stepKey: string, output: string) => {
    if (!runProduces(run, stepKey, output) || run.produced.get(stepKey)?.has(output)) return;
    missing.push({ stepKey, output });
    const outcome = outcomes.get(stepKey);
    if (outcome === "failed" || (outcome === "skipped" && skipReason.get(stepKey) !== "output_not_produced")) reason = "upstream_failed";
  };
  for (const input of step.inputs) if (input.source) check(input.source.stepKey, input.source.output);
  for (const dep of step.deps) check(dep.stepKey, dep.output);
  return missing.length === 0 ? null : { reason, missing };
}
