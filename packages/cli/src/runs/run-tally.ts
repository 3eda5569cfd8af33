import type { RunEvent } from "@strata/sdk";

type StepState = "pending" | "running" | "succeeded" | "failed" | "canceled" | "skipped";

/** The state each step event puts its step in. */
const STATE_AFTER: Partial<Record<RunEvent["type"], StepState>> = {
  STEP_START: "running",
  STEP_RESTARTED: "running",
  STEP_UP_FOR_RETRY: "running",
  STEP_SUCCESS: "succeeded",
  STEP_FAILURE: "failed",
  STEP_CANCELED: "canceled",
  STEP_SKIPPED: "skipped",
};

/**
 * What a run's events add up to so far: each step's state, and when the run started. It feeds
 * the progress line while a run is followed.
 *
 * @example
 * ```ts
 * const tally = new RunTally(run.stepKeys);
 * for await (const event of client.runEvents(run.id)) tally.add(event);
 * console.log(`${tally.count("succeeded")} of ${tally.total} steps succeeded`);
 * ```
 */
export class RunTally {
  readonly #steps = new Map<string, StepState>();
  #startedAt: number | null = null;

  constructor(stepKeys: readonly string[]) {
    for (const key of stepKeys) this.#steps.set(key, "pending");
  }

  add(event: RunEvent): void {
    if (event.type === "RUN_START") this.#startedAt = Date.parse(event.timestamp);
    const state = STATE_AFTER[event.type];
    if (state && event.stepKey) this.#steps.set(event.stepKey, state);
  }

  get total(): number {
    return this.#steps.size;
  }

  /** Steps that have finished one way or another. */
  get done(): number {
    return this.#steps.size - this.count("pending") - this.count("running");
  }

  /** When RUN_START happened (ms since the epoch), once it did. */
  get startedAt(): number | null {
    return this.#startedAt;
  }

  count(state: StepState): number {
    let n = 0;
    for (const s of this.#steps.values()) if (s === state) n++;
    return n;
  }

  stepsIn(state: StepState): string[] {
    return [...this.#steps].filter(([, s]) => s === state).map(([key]) => key);
  }
}
