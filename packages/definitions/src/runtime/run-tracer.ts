import type { TraceSpan } from "../execution/trace-span.js";

/** What the worker needs from tracing: a span per run it executes, and a flush at shutdown. @internal */
export interface RunTracer {
  /**
   * The root span of a run's own trace, linked to the span of the request that launched it
   * (`traceparent`, stored with the run at launch and handed over by `claimRun`).
   */
  startRun(run: { id: string; location: string; workerId: string; traceparent: string | null }): TraceSpan;
  /** Exports what is still buffered. */
  shutdown(): Promise<void>;
}

/**
 * The worker's tracer when `OTEL_EXPORTER_OTLP_ENDPOINT` is set, else null. OpenTelemetry is
 * imported only then (a dynamic `import()`), so a worker without it loads none of it.
 * @internal
 */
export async function runTracerFromEnv(env: Record<string, string | undefined>, location: string): Promise<RunTracer | null> {
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT) return null;
  const { createOtelRunTracer } = await import("./otel-run-tracer.js");
  return createOtelRunTracer({ serviceName: env.OTEL_SERVICE_NAME ?? `strata-location-${location}` });
}
