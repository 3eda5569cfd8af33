// Loaded only through runTracerFromEnv's dynamic import, when OTEL_EXPORTER_OTLP_ENDPOINT is set.
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanStatusCode,
  trace,
  type Context,
  type Link,
  type Span,
  type Tracer,
} from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";
import type { SpanAttributes, TraceSpan } from "../execution/trace-span.js";
import type { RunTracer } from "./run-tracer.js";

/**
 * A tracer exporting over OTLP/HTTP to `OTEL_EXPORTER_OTLP_ENDPOINT` (the exporter reads the
 * standard OTEL_* variables itself). The provider is registered globally, with the
 * AsyncLocalStorage context manager, so spans user code opens with `@opentelemetry/api` inside
 * a step nest under the step's span.
 * @internal
 */
export function createOtelRunTracer(options: { serviceName: string }): RunTracer {
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.serviceName }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  provider.register({ propagator: new W3CTraceContextPropagator() });
  const tracer = provider.getTracer("@strata/definitions");
  return {
    startRun(run) {
      const launch = run.traceparent
        ? trace.getSpanContext(propagation.extract(ROOT_CONTEXT, { traceparent: run.traceparent }))
        : undefined;
      const links: Link[] = launch ? [{ context: launch, attributes: { "strata.link": "launch" } }] : [];
      // Its own trace: a run may start hours after its launch, and a backfill launches thousands at once.
      const common = { "strata.run_id": run.id, "strata.location": run.location };
      const span = tracer.startSpan("run", { root: true, links, attributes: { ...common, "strata.worker_id": run.workerId } });
      return wrap(tracer, span, trace.setSpan(ROOT_CONTEXT, span), common);
    },
    shutdown: () => provider.shutdown(),
  };
}

function wrap(tracer: Tracer, span: Span, spanContext: Context, common: SpanAttributes): TraceSpan {
  return {
    child(name, attributes) {
      const child = tracer.startSpan(name, { attributes: { ...common, ...attributes } }, spanContext);
      return wrap(tracer, child, trace.setSpan(spanContext, child), common);
    },
    activate: (fn) => context.with(spanContext, fn),
    fail(error) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    },
    end: () => span.end(),
  };
}
