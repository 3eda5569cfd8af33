import { builder } from "../builder.js";

export const RunStatusEnum = builder.enumType("RunStatus", {
  values: {
    QUEUED: { description: "Waiting for the coordinator (concurrency limits, priority)." },
    STARTING: { description: "Waiting for a worker of its code location to claim it." },
    STARTED: { description: "A worker holds it and is executing." },
    SUCCESS: {},
    FAILURE: {},
    CANCELING: { description: "Termination requested; its worker is stopping it." },
    CANCELED: {},
  },
});

export type { RunStatus as RunStatusValue } from "@strata/protocol";
