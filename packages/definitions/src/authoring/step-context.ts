import type { SpanAttributes } from "../execution/trace-span.js";
import type { ResourceValues } from "./resource.js";

/**
 * The levels of LOG events.
 *
 * @example
 * ```ts
 * const errors = result.events.filter((e) => e.type === "LOG" && e.level === ("error" satisfies LogLevel));
 * ```
 */
import type { LogLevel } from "@strata/protocol";

export type { LogLevel };

/**
 * Writes LOG events to the run's event stream, attributed to the current step.
 *
 * @example
 * ```ts
 * asset("orders", (_, ctx) => {
 *   ctx.log.info("fetching orders", { page: 1 });
 *   return fetchOrders();
 * });
 * ```
 */
export interface Logger {
  debug(message: string, extra?: Record<string, unknown>): void;
  info(message: string, extra?: Record<string, unknown>): void;
  warning(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

/**
 * The partitions a run materializes, as a step of a partitioned asset sees them (Dagster's
 * `partition_key`, `partition_key_range` and `partition_time_window`, in one object).
 *
 * @example
 * ```ts
 * asset("events", { partitions: dailyPartitions({ start: "2024-01-01" }) }, (_, ctx) => {
 *   const { start, end } = ctx.partition!.timeWindow!;
 *   return fetchEvents(start, end);
 * });
 * ```
 */
export interface PartitionContext {
  /** The key of a single-partition run; `null` when the run covers a range. */
  key: string | null;
  /** Every key the run covers, in partition order (one for a single-partition run). */
  keys: readonly string[];
  /** The first and last key the run covers (equal for a single-partition run). */
  range: { start: string; end: string };
  /** From the start of the first window to the end of the last; `null` without a time dimension. */
  timeWindow: { start: Date; end: Date } | null;
  /** Dimension name → key, for a single-partition run of a multi-partitioned asset; else `null`. */
  dimensions: Readonly<Record<string, string>> | null;
}

/** What every step's context offers. */
export interface StepContextBase<R = {}> {
  runId: string;
  stepKey: string;
  /** 0 on the first attempt, 1 on the first retry, and so on. */
  retryNumber: number;
  /** Aborted when the run is canceled: pass it to `fetch` and friends. */
  signal: AbortSignal;
  log: Logger;
  /** The resources the step declared, set up for this run. */
  resources: ResourceValues<R>;
  /** The asset keys this step materializes in this run ("sales/orders" form). */
  selectedAssetKeys: readonly string[];
  /** The partitions this run materializes; `null` when the step's assets are not partitioned. */
  partition: PartitionContext | null;
  /**
   * Runs `fn` in a span of its own under this step's span, ended when `fn` (or its promise)
   * settles, and returns what `fn` returns. When the location exports traces
   * (`OTEL_EXPORTER_OTLP_ENDPOINT` set) the span is exported with the run's trace; otherwise
   * this only calls `fn`. Spans you open with `@opentelemetry/api` inside a step nest under the
   * step's span too (it is the active span while the step runs).
   *
   * @example
   * ```ts
   * asset("orders", async (_, ctx) => {
   *   const rows = await ctx.span("fetch orders", () => fetchOrders(), { "orders.page_size": 500 });
   *   return ctx.span("clean orders", () => rows.filter(isValid));
   * });
   * ```
   */
  span<T>(name: string, fn: () => T, attributes?: SpanAttributes): T;
}

/**
 * The second argument of an asset's function.
 *
 * @example
 * ```ts
 * asset("report", (_, ctx) => `report for ${ctx.assetKey} in run ${ctx.runId}`);
 * ```
 */
export interface AssetContext<R = {}> extends StepContextBase<R> {
  /** The key of the asset being materialized, e.g. "sales/orders". */
  assetKey: string;
}

/**
 * The second argument of a multi-asset's function. With `canSubset`, materialize only
 * `selectedOutputNames`.
 *
 * @example
 * ```ts
 * multiAsset({ name: "tables", canSubset: true, outs }, async function* (_, ctx) {
 *   for (const name of ctx.selectedOutputNames) yield output(await load(name), { name });
 * });
 * ```
 */
export interface MultiAssetContext<R = {}, Names extends string = string> extends StepContextBase<R> {
  /** The output names selected in this run (typed by the multi-asset's outs). */
  selectedOutputNames: readonly Names[];
}

/**
 * The last argument of an op's function, after its inputs.
 *
 * @example
 * ```ts
 * const clean = op("clean", (rows: Row[], ctx: OpContext) => {
 *   ctx.log.debug(`cleaning ${rows.length} rows`);
 *   return rows.filter(isValid);
 * });
 * ```
 */
export interface OpContext<R = {}> extends StepContextBase<R> {
  opName: string;
  /** The graph asset or graph multi-asset the op runs in. */
  graphName: string;
}
