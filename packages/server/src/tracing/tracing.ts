import type { Plugin } from "graphql-yoga";

export type SpanAttributes = Record<string, string | number | boolean>;

/**
 * The server's traces, as the rest of the server sees them: a yoga plugin for a span per
 * GraphQL operation, child spans for launch/claim/report, and the W3C `traceparent` of the
 * current span (stored with a run at launch, so the worker's run trace links to it).
 */
export interface ServerTracing {
  readonly enabled: boolean;
  readonly plugin: Plugin | null;
  /** Runs `fn` in a child span of the current one (the operation's); `annotate` adds attributes learnt on the way. */
  span<T>(name: string, attributes: SpanAttributes, fn: (annotate: (attributes: SpanAttributes) => void) => Promise<T>): Promise<T>;
  /** The current span's context as a W3C traceparent, or null outside a span or when off. */
  traceparent(): string | null;
  /** Exports what is still buffered (at shutdown). */
  flush(): Promise<void>;
}

const ignore = () => {};

/** Tracing off: no spans, no cost beyond a call. */
export const NO_TRACING: ServerTracing = {
  enabled: false,
  plugin: null,
  span: (_name, _attributes, fn) => fn(ignore),
  traceparent: () => null,
  flush: async () => {},
};

// One per process, as OpenTelemetry's tracer provider and context manager are.
let active: ServerTracing = NO_TRACING;

/** The process's tracing (NO_TRACING until {@link startTracing} found an endpoint). */
export function serverTracing(): ServerTracing {
  return active;
}

/**
 * Starts exporting spans over OTLP/HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT` is set (once per
 * process; later calls return the same). Unset: OpenTelemetry is never imported, so it costs
 * neither start-up time nor memory.
 */
export async function startTracing(env: {
  OTEL_EXPORTER_OTLP_ENDPOINT?: string | undefined;
  OTEL_SERVICE_NAME?: string | undefined;
}): Promise<ServerTracing> {
  if (active.enabled || !env.OTEL_EXPORTER_OTLP_ENDPOINT) return active;
  const { createOtelTracing } = await import("./otel-tracing.js");
  active = createOtelTracing({ endpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT, serviceName: env.OTEL_SERVICE_NAME ?? "strata-server" });
  return active;
}
