import { describedEnum } from "./described-enum.js";

export const RunStatusEnum = describedEnum("RunStatus", {
  QUEUED: "Waiting for the coordinator (concurrency limits, priority).",
  STARTING: "Waiting for a worker of its code location to claim it.",
  STARTED: "A worker holds it and is executing.",
  SUCCESS: null,
  FAILURE: null,
  CANCELING: "Termination requested; its worker is stopping it.",
  CANCELED: null,
});

export type { RunStatus as RunStatusValue } from "@strata/protocol";
