import type { RunEventType } from "./events.js";

/**
 * A run's status: QUEUED → STARTING → STARTED → SUCCESS, FAILURE or CANCELED (CANCELING while
 * its worker stops).
 *
 * @example
 * ```ts
 * const active = RUN_STATUSES.filter((s) => !isTerminalRunStatus(s));
 * ```
 */
export const RUN_STATUSES = ["QUEUED", "STARTING", "STARTED", "CANCELING", "SUCCESS", "FAILURE", "CANCELED"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** The statuses a run ends in; it never leaves one. */
export const TERMINAL_RUN_STATUSES = ["SUCCESS", "FAILURE", "CANCELED"] as const satisfies readonly RunStatus[];
export type TerminalRunStatus = (typeof TERMINAL_RUN_STATUSES)[number];

/** True when a run with this status has ended. */
export function isTerminalRunStatus(status: string): status is TerminalRunStatus {
  return (TERMINAL_RUN_STATUSES as readonly string[]).includes(status);
}

/** The event that ends a run with each terminal status. */
export const TERMINAL_EVENT_FOR_STATUS = {
  SUCCESS: "RUN_SUCCESS",
  FAILURE: "RUN_FAILURE",
  CANCELED: "RUN_CANCELED",
} as const satisfies Record<TerminalRunStatus, RunEventType>;
export type TerminalRunEventType = (typeof TERMINAL_EVENT_FOR_STATUS)[TerminalRunStatus];

/**
 * The status a run ends with when `type` is its last event, or null when `type` does not end a run.
 *
 * @example
 * ```ts
 * terminalStatusOf("RUN_FAILURE"); // "FAILURE"
 * terminalStatusOf("STEP_FAILURE"); // null
 * ```
 */
export function terminalStatusOf(type: string): TerminalRunStatus | null {
  for (const status of TERMINAL_RUN_STATUSES) if (TERMINAL_EVENT_FOR_STATUS[status] === type) return status;
  return null;
}

/** A step's status within a run. */
export const STEP_STATUSES = ["PENDING", "RUNNING", "UP_FOR_RETRY", "SUCCESS", "FAILURE", "SKIPPED", "CANCELED"] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];
