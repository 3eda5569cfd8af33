import type { RunDetail, RunEvent } from "@strata/sdk";

/** One attempt of one step: a bar of the Gantt chart. `end` null: still running. */
export interface StepAttempt {
  stepKey: string;
  attempt: number;
  start: number;
  end: number | null;
  status: string;
}

const ENDINGS: Partial<Record<RunEvent["type"], string>> = {
  STEP_SUCCESS: "SUCCESS",
  STEP_FAILURE: "FAILURE",
  STEP_CANCELED: "CANCELED",
  STEP_UP_FOR_RETRY: "UP_FOR_RETRY",
};

/**
 * Reads a run's events into step attempts as they arrive: each `update()` reads only the events
 * appended since the previous one (the log of a run of 1,000 steps holds 100,000 events, and
 * grows while the page is open). An attempt that changes is replaced, never mutated, so a bar
 * drawn from it re-renders only when it changed.
 */
export class StepAttemptReader {
  /** The attempts read so far, in the order they started. */
  attempts: readonly StepAttempt[] = [];
  private read = 0;
  private readonly list: StepAttempt[] = [];
  private readonly open = new Map<string, number>();

  constructor(readonly events: readonly RunEvent[]) {}

  /** The attempts after reading the new events: a new array when any changed, else the same one. */
  update(): readonly StepAttempt[] {
    if (this.read === this.events.length) return this.attempts;
    for (; this.read < this.events.length; this.read++) {
      const event = this.events[this.read]!;
      if (!event.stepKey) continue;
      const at = Date.parse(event.timestamp);
      if (event.type === "STEP_START" || event.type === "STEP_RESTARTED") {
        this.open.set(event.stepKey, this.list.length);
        this.list.push({ stepKey: event.stepKey, attempt: event.payload.retryNumber + 1, start: at, end: null, status: "RUNNING" });
      } else if (event.type === "STEP_SKIPPED") {
        this.list.push({ stepKey: event.stepKey, attempt: 1, start: at, end: at, status: "SKIPPED" });
      } else {
        const ending = ENDINGS[event.type];
        const index = this.open.get(event.stepKey);
        if (ending && index !== undefined) {
          this.list[index] = { ...this.list[index]!, end: at, status: ending };
          this.open.delete(event.stepKey);
        }
      }
    }
    this.attempts = [...this.list];
    return this.attempts;
  }
}

/**
 * One bar per started step from the run's step rows (what the server keeps of each step): the
 * chart draws from these at once, before the log's events have arrived.
 */
export function stepRowAttempts(run: Pick<RunDetail, "steps">): StepAttempt[] {
  return run.steps
    .filter((step) => step.startedAt)
    .map((step) => ({
      stepKey: step.stepKey,
      attempt: step.attempts,
      start: Date.parse(step.startedAt!),
      end: step.endedAt ? Date.parse(step.endedAt) : null,
      status: step.status,
    }));
}
