import type { BuiltSteps } from "../authoring/build-steps.js";
import { topologicalOrder } from "@strata/protocol";
import type { Manifest } from "@strata/protocol";
import type { StepSpec } from "../authoring/step-spec.js";

/**
 * The steps of a `Definitions`, indexed for execution: by key, in dependency order, with
 * each step's downstream steps. Built once per `Definitions`.
 * @internal
 */
export class ExecutionPlan {
  readonly manifest: Manifest;
  readonly steps: ReadonlyMap<string, StepSpec>;
  /** Every step key, each after its upstream steps. */
  readonly order: readonly string[];
  readonly downstream: ReadonlyMap<string, readonly string[]>;

  constructor(built: BuiltSteps, manifest: Manifest) {
    this.manifest = manifest;
    this.steps = new Map(built.steps.map((s) => [s.key, s]));
    const keys = manifest.steps.map((s) => s.key);
    this.order = topologicalOrder(keys, (key) => this.steps.get(key)!.upstreamSteps);
    const downstream = new Map<string, string[]>();
    for (const step of built.steps) {
      for (const up of step.upstreamSteps) {
        const list = downstream.get(up);
        if (list) list.push(step.key);
        else downstream.set(up, [step.key]);
      }
    }
    this.downstream = downstream;
  }

  step(key: string): StepSpec {
    const step = this.steps.get(key);
    if (!step) throw new Error(`no step "${key}" in the plan`);
    return step;
  }
}
