import type { RunFailureReason } from "@strata/protocol";

interface FailurePayload {
  reason?: RunFailureReason | null;
  error?: { message?: string } | null;
  failedSteps?: string[];
  failedChecks?: string[];
}

/**
 * Why a run failed, from its RUN_FAILURE payload: the typed code the executor gave (inferred
 * for senders older than checks, which give none) and a sentence for people.
 */
export function runFailureOf(payload: unknown): { code: RunFailureReason | null; message: string } {
  const p = (payload ?? {}) as FailurePayload;
  const failedChecks = p.failedChecks ?? [];
  const failedSteps = p.failedSteps ?? [];
  const code =
    p.reason ?? (failedChecks.length ? "BLOCKING_CHECK_FAILED" : failedSteps.length ? "STEP_FAILURE" : p.error ? "RUN_ERROR" : null);
  const message =
    p.error?.message ??
    (failedChecks.length
      ? `Blocking checks failed: ${failedChecks.join(", ")}`
      : failedSteps.length
        ? `Steps failed: ${failedSteps.join(", ")}`
        : "Run failed");
  return { code, message };
}
