/**
 * Attributes of a span: what OpenTelemetry accepts, without depending on it here.
 *
 * @example
 * ```ts
 * const attributes: SpanAttributes = { "db.rows": 1200, "warehouse.table": "orders" };
 * ```
 */
export type SpanAttributes = Record<string, string | number | boolean | string[]>;

/**
 * A span as the executor sees it. The location worker backs it with OpenTelemetry when
 * `OTEL_EXPORTER_OTLP_ENDPOINT` is set; otherwise it is {@link NO_SPAN} and nothing about
 * tracing is loaded, so the executor never imports `@opentelemetry/*` itself.
 * @internal
 */
export interface TraceSpan {
  child(name: string, attributes?: SpanAttributes): TraceSpan;
  /** Runs `fn` with this span active, so spans user code opens with `@opentelemetry/api` nest under it. */
  activate<T>(fn: () => T): T;
  fail(error: unknown): void;
  end(): void;
}

/** The span when tracing is off: every call does nothing. @internal */
export const NO_SPAN: TraceSpan = {
  child: () => NO_SPAN,
  activate: (fn) => fn(),
  fail: () => {},
  end: () => {},
};

/**
 * Runs `fn` in a child span of `parent`, active while it runs, ended when `fn` (or the promise
 * it returns) settles; a throw or rejection marks the span failed and is passed on.
 * @internal
 */
export function inChildSpan<T>(parent: TraceSpan, name: string, attributes: SpanAttributes | undefined, fn: () => T): T {
  if (parent === NO_SPAN) return fn();
  const span = parent.child(name, attributes);
  let result: T;
  try {
    result = span.activate(fn);
  } catch (error) {
    span.fail(error);
    span.end();
    throw error;
  }
  if (result instanceof Promise) {
    return result.then(
      (value) => {
        span.end();
        return value;
      },
      (error: unknown) => {
        span.fail(error);
        span.end();
        throw error;
      },
    ) as T;
  }
  span.end();
  return result;
}
