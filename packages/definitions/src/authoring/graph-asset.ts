import type { AssetAttributes } from "./asset-attributes.js";
import type { DepSource, InputSources, Typed, ValueOf } from "./asset-in.js";
import { assetKeyToString, checkName } from "./asset-key.js";
import type { AssetOut } from "./asset-out.js";
import {
  blueprintBase,
  SingleAssetDefinition,
  overloadedArguments,
  resolveAssetKey,
  resolveUpstreams,
  singleOutput,
  type AssetNaming,
} from "./asset.js";
import type { GraphBlueprint } from "./blueprint.js";
import { DefinitionError } from "./definition-error.js";
import { GraphBuilder, type OpHandle } from "./graph-builder.js";
import { MultiAssetDefinition, outsToAssets, type AssetOuts, type MultiAssetOptions } from "./multi-asset.js";
import type { PartitioningOptions } from "./partitions.js";

/**
 * What a graph function receives for its `ins`: one handle per input, typed.
 *
 * @example
 * ```ts
 * type Inputs = GraphInputs<{ orders: typeof orders }>; // { readonly orders: OpHandle<Order[]> }
 * ```
 */
export type GraphInputs<I> = { readonly [K in keyof I]: OpHandle<ValueOf<I[K]>> };

/**
 * Options of {@link graphAsset}.
 *
 * @example
 * ```ts
 * const options: GraphAssetOptions = { group: "analytics", description: "cleaned and scored" };
 * ```
 */
export interface GraphAssetOptions<I extends InputSources = {}> extends AssetAttributes, AssetNaming, PartitioningOptions {
  ins?: I;
  deps?: readonly DepSource[];
  /** The IO manager storing the asset's value. Defaults to "io_manager". */
  ioManagerKey?: string;
}

function composeInputs(builder: GraphBuilder, ins: InputSources | undefined): Record<string, OpHandle> {
  return Object.fromEntries(Object.keys(ins ?? {}).map((name) => [name, builder.input(name)]));
}

/**
 * Declares one asset computed by several ops (Dagster's `@graph_asset`). The graph function runs
 * once, right here, with op invocations returning symbolic handles; it only wires ops together.
 * Each op invocation becomes its own step (key `<asset key>.<op name>`) with its own retry policy
 * and events; only the returned output is an asset.
 *
 * @example
 * ```ts
 * export const complexAsset = graphAsset("complex_asset", () => {
 *   const stepOne = op("step_one", () => "intermediate_value");
 *   const stepTwo = op("step_two", (value: string) => `final_${value}`);
 *   return stepTwo(stepOne());
 * });
 * ```
 */
export function graphAsset<T>(name: string, fn: (inputs: {}) => OpHandle<T>): SingleAssetDefinition<T>;
export function graphAsset<I extends InputSources = {}, T = unknown>(
  name: string,
  options: GraphAssetOptions<I>,
  fn: (inputs: GraphInputs<I>) => OpHandle<T>,
): SingleAssetDefinition<T>;
export function graphAsset<I extends InputSources = {}, T = unknown>(
  options: GraphAssetOptions<I>,
  fn: (inputs: GraphInputs<I>) => OpHandle<T>,
): SingleAssetDefinition<T>;
export function graphAsset(first: unknown, second: unknown, third?: unknown): SingleAssetDefinition<unknown> {
  const [options, fn] = overloadedArguments<GraphAssetOptions<InputSources>>(first, second, third);
  const key = resolveAssetKey(options, `graph asset "${options.name ?? String(options.key)}"`);
  const keyString = assetKeyToString(key);
  const culprit = `graph asset "${keyString}"`;
  if (typeof fn !== "function") throw new DefinitionError("invalid_option", culprit, "the graph function is missing");
  const upstreams = resolveUpstreams(options.ins, options.deps, culprit);
  const builder = new GraphBuilder(culprit);
  const returned = builder.compose(() => (fn as (inputs: Record<string, OpHandle>) => unknown)(composeInputs(builder, options.ins)));
  const producer = builder.outputOf(returned, "the value the graph function returns");
  builder.checkAllWired(keyString, [producer]);
  const blueprint: GraphBlueprint = {
    kind: "graph_asset",
    ...blueprintBase(keyString, culprit, upstreams, false, options),
    nodes: builder.nodes,
    assets: [singleOutput(key, options, culprit, producer)],
  };
  return new SingleAssetDefinition(blueprint);
}

/**
 * Options of {@link graphMultiAsset}.
 *
 * @example
 * ```ts
 * graphMultiAsset({ name: "parity", outs: { evens: new AssetOut(), odds: new AssetOut() }, canSubset: true }, () => split(load()));
 * ```
 */
export interface GraphMultiAssetOptions<O extends AssetOuts, I extends InputSources = {}>
  extends Omit<MultiAssetOptions<O, I>, "canSubset" | "retryPolicy" | "resources" | "checks"> {
  /** When true, a run may select some outs; only the ops they need run. */
  canSubset?: boolean;
}

/**
 * The value of each output of a graph multi-asset. Appears in its inferred type.
 *
 * @example
 * ```ts
 * type Values = GraphMultiAssetValues<{ a: AssetOut }, { a: OpHandle<string> }>; // { a: string }
 * ```
 */
export type GraphMultiAssetValues<O extends AssetOuts, H> = {
  [K in keyof O & string]: O[K] extends AssetOut<infer T>
    ? unknown extends T
      ? K extends keyof H
        ? ValueOf<H[K]>
        : unknown
      : T
    : unknown;
};

/**
 * What a graph multi-asset's function returns: one op output per out, of the out's declared type
 * when it declares one (`new AssetOut<Date>()` takes an `OpHandle<Date>`).
 *
 * @example
 * ```ts
 * type Handles = GraphMultiAssetHandles<{ a: AssetOut<Date> }>; // { readonly a: Typed<Date> }
 * ```
 */
export type GraphMultiAssetHandles<O extends AssetOuts> = { readonly [K in keyof O]: Typed<O[K] extends AssetOut<infer T> ? T : unknown> };

/**
 * Declares several assets computed by a graph of ops (Dagster's `@graph_multi_asset`). The graph
 * function returns one op output per out, each fitting the out's declared type, and nothing else.
 *
 * @example
 * ```ts
 * const split = op("split", { outs: ["evens", "odds"] }, (xs: number[]) => ({
 *   evens: xs.filter((x) => x % 2 === 0),
 *   odds: xs.filter((x) => x % 2 === 1),
 * }));
 * const numbers = graphMultiAsset(
 *   { name: "numbers", outs: { evens: new AssetOut(), odds: new AssetOut() } },
 *   () => split(load()),
 * );
 * ```
 */
export function graphMultiAsset<
  O extends AssetOuts,
  I extends InputSources = {},
  H extends GraphMultiAssetHandles<O> = GraphMultiAssetHandles<O>,
>(
  options: GraphMultiAssetOptions<O, I>,
  // A returned key that is not an out is `never` (NoInfer keeps `H` inferred from the function alone).
  fn: (inputs: GraphInputs<I>) => H & NoInfer<{ readonly [K in Exclude<keyof H & string, keyof O>]: never }>,
): MultiAssetDefinition<GraphMultiAssetValues<O, H>> {
  const culprit = `graph multi-asset "${String(options?.name)}"`;
  const name = checkName(options?.name, "graph multi-asset name", culprit);
  if (typeof fn !== "function") throw new DefinitionError("invalid_option", culprit, "the graph function is missing");
  const upstreams = resolveUpstreams(options.ins, options.deps, culprit);
  const assets = outsToAssets(options.outs, options.internalAssetDeps, culprit, options);
  const builder = new GraphBuilder(culprit);
  const returned = builder.compose(() => (fn as (inputs: Record<string, OpHandle>) => unknown)(composeInputs(builder, options.ins)));
  if (typeof returned !== "object" || returned === null) {
    throw new DefinitionError("invalid_graph", culprit, "the graph function must return an object with one op output per out");
  }
  const producers = assets.map((a) => {
    if (!(a.outputName in returned))
      throw new DefinitionError("invalid_graph", culprit, `the graph function returns no value for out "${a.outputName}"`);
    return builder.outputOf((returned as Record<string, unknown>)[a.outputName], `out "${a.outputName}"`);
  });
  for (const key of Object.keys(returned)) {
    if (!assets.some((a) => a.outputName === key))
      throw new DefinitionError("invalid_graph", culprit, `the graph function returns "${key}", which is not one of its outs`);
  }
  builder.checkAllWired(name, producers);
  const blueprint: GraphBlueprint = {
    kind: "graph_multi_asset",
    ...blueprintBase(name, culprit, upstreams, options.canSubset ?? false, options),
    nodes: builder.nodes,
    assets: assets.map((a, i) => ({ ...a, producer: producers[i]! })),
  };
  return new MultiAssetDefinition(blueprint);
}
