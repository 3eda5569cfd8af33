// Loaded only through startTracing's dynamic import, when OTEL_EXPORTER_OTLP_ENDPOINT is set.
import { context, propagation, ROOT_CONTEXT, SpanStatusCode, trace, type Span, type TextMapGetter } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";
import { getOperationAST } from "graphql";
import type { Plugin } from "graphql-yoga";
import type { ServerTracing } from "./tracing.js";

const headerGetter: TextMapGetter<Headers> = {
  keys: (headers) => [...headers.keys()],
  get: (headers, key) => headers.get(key) ?? undefined,
};

function fail(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}

/**
 * OpenTelemetry over OTLP/HTTP (the exporter reads the standard OTEL_* variables: endpoint,
 * headers, timeouts). A request's `traceparent` header, when sent, makes its operation span a
 * child of the caller's span.
 */
export function createOtelTracing(options: { endpoint: string; serviceName: string }): ServerTracing {
  // The endpoint as parsed at start-up (it may come from options, not process.env); OTLP/HTTP posts traces to <base>/v1/traces.
  const url = `${options.endpoint.replace(/\/+$/, "")}/v1/traces`;
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.serviceName }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url }))],
  });
  provider.register({ propagator: new W3CTraceContextPropagator() });
  const tracer = provider.getTracer("@strata/server");

  const plugin: Plugin = {
    instrumentation: {
      request: ({ request }, wrapped) => context.with(propagation.extract(ROOT_CONTEXT, request.headers, headerGetter), wrapped),
      execute: (_payload, wrapped) => {
        // Named once the operation is known (onExecute below); started here so it covers the whole execution.
        const span = tracer.startSpan("graphql.execute");
        try {
          const done = context.with(trace.setSpan(context.active(), span), wrapped);
          if (!(done instanceof Promise)) {
            span.end();
            return done;
          }
          return done.then(
            () => span.end(),
            (error: unknown) => {
              fail(span, error);
              span.end();
              throw error;
            },
          );
        } catch (error) {
          fail(span, error);
          span.end();
          throw error;
        }
      },
    },
    onExecute: ({ args }) => {
      const operation = getOperationAST(args.document, args.operationName);
      const span = trace.getActiveSpan();
      if (!operation || !span) return;
      const name = operation.name?.value ?? "anonymous";
      span.updateName(`graphql.${operation.operation} ${name}`);
      span.setAttributes({
        "graphql.operation.type": operation.operation,
        "graphql.operation.name": name,
        "graphql.root_fields": operation.selectionSet.selections.flatMap((s) => (s.kind === "Field" ? [s.name.value] : [])),
      });
    },
  };

  return {
    enabled: true,
    plugin,
    span: (name, attributes, fn) =>
      tracer.startActiveSpan(name, { attributes }, async (span) => {
        try {
          return await fn((more) => span.setAttributes(more));
        } catch (error) {
          fail(span, error);
          throw error;
        } finally {
          span.end();
        }
      }),
    traceparent: () => {
      const carrier: Record<string, string> = {};
      propagation.inject(context.active(), carrier);
      return carrier.traceparent ?? null;
    },
    flush: () => provider.forceFlush(),
  };
}
