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
 * Each step attempt's span, read from the run's events (STEP_START or STEP_RESTARTED opens an
 * attempt; success, failure, cancellation or "up for retry" closes it). Before any event has
 * arrived, the run's step rows give one bar per step, so the chart shows at once.
 */
export function stepAttempts(run: Pick<RunDetail, "steps">, events: readonly RunEvent[]): StepAttempt[] {
  const attempts: StepAttempt[] = [];
  const open = new Map<string, StepAttempt>();
  for (const event of events) {
    if (!event.stepKey) continue;
    const at = Date.parse(event.timestamp);
    if (event.type === "STEP_START" || event.type === "STEP_RESTARTED") {
      const attempt: StepAttempt = {
        stepKey: event.stepKey,
        attempt: event.payload.retryNumber + 1,
        start: at,
        end: null,
        status: "RUNNING",
      };
      open.set(event.stepKey, attempt);
      attempts.push(attempt);
    } else if (event.type === "STEP_SKIPPED") {
      attempts.push({ stepKey: event.stepKey, attempt: 1, start: at, end: at, status: "SKIPPED" });
    } else {
      const ending = ENDINGS[event.type];
      const attempt = open.get(event.stepKey);
      if (ending && attempt) {
        attempt.end = at;
        attempt.status = ending;
        open.delete(event.stepKey);
      }
    }
  }
  if (attempts.length > 0) return attempts;
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
