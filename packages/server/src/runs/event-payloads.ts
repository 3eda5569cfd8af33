import { z } from "zod";

/**
 * What the server (and the re-execution planner, reading stored events later) relies on in each
 * event's payload. Checked when a worker reports, so a malformed event is refused at the edge
 * with the field at fault, instead of breaking a re-execution weeks later. Other fields pass
 * through untouched; event types not listed carry free-form payloads.
 */
const stepKey = z.string().min(1).max(1024);
const metadata = z.record(z.string(), z.looseObject({ type: z.string(), value: z.unknown() }));
const serializedError = z.looseObject({ name: z.string(), message: z.string() }).nullable();

export const EVENT_PAYLOADS: Partial<Record<string, z.ZodType>> = {
  RUN_START: z.looseObject({
    runId: z.string(),
    stepKeys: z.array(stepKey),
    assetKeys: z.array(z.string()),
    parentRunId: z.string().nullable(),
    rootRunId: z.string().nullable(),
    strategy: z.string().nullable(),
    reusedOutputs: z.array(z.looseObject({ stepKey, output: z.string(), runId: z.string() })),
  }),
  STEP_START: z.looseObject({ retryNumber: z.number().int().min(0) }),
  STEP_RESTARTED: z.looseObject({ retryNumber: z.number().int().min(0) }),
  STEP_UP_FOR_RETRY: z.looseObject({ retryNumber: z.number().int().min(0), error: serializedError }),
  STEP_SUCCESS: z.looseObject({ retryNumber: z.number().int().min(0) }),
  STEP_FAILURE: z.looseObject({ error: serializedError }),
  STEP_CANCELED: z.looseObject({ retryNumber: z.number().int().min(0), error: serializedError }),
  STEP_OUTPUT: z.looseObject({ outputName: z.string(), assetKey: z.string().nullable() }),
  ASSET_MATERIALIZATION: z.looseObject({
    assetKey: z.string().regex(/^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/),
    outputName: z.string(),
    metadata,
    dataVersion: z.string().nullable().optional(),
  }),
  RUN_FAILURE: z.looseObject({ failedSteps: z.array(z.string()).optional(), error: serializedError.optional() }),
};

/** The first problem with an event's payload, or null. */
export function payloadProblem(type: string, payload: unknown): string | null {
  const schema = EVENT_PAYLOADS[type];
  if (!schema) return null;
  const result = schema.safeParse(payload);
  if (result.success) return null;
  const issue = result.error.issues[0]!;
  return `${type} payload${issue.path.length ? `.${issue.path.join(".")}` : ""}: ${issue.message}`;
}
