import { normalizeAttributes, type AssetAttributes } from "./asset-attributes.js";
import { depRefs, inputRef, type DepSource, type InputSources, type InputValues, type Typed } from "./asset-in.js";
import { assetKeyToString, checkName, parseAssetKey, type AssetKeyInput } from "./asset-key.js";
import type { AssetValue } from "./asset-value.js";
import { AssetsDefinition } from "./assets-definition.js";
import type { BlueprintAsset, BlueprintInput, ComputeBlueprint, UpstreamRef } from "./blueprint.js";
import { resolveInStepChecks, type CheckSpec } from "./checks.js";
import { DefinitionError } from "./definition-error.js";
import { DEFAULT_IO_MANAGER_KEY } from "../io/io-manager.js";
import type { ResourceRequirements } from "./resource.js";
import { normalizePartitioning, type PartitioningOptions } from "./partitions.js";
import { normalizeRetryPolicy, type RetryPolicy } from "./retry-policy.js";
import type { AssetContext } from "./step-context.js";

/** How an asset is named: a `name` (plus optional `keyPrefix`), or a full `key`. */
export interface AssetNaming {
  name?: string;
  /** The full key, e.g. "sales/orders"; its last part is the name. Excludes `name` and `keyPrefix`. */
  key?: AssetKeyInput;
  keyPrefix?: AssetKeyInput;
}

/**
 * Options of {@link asset}.
 *
 * @example
 * ```ts
 * const options: AssetOptions = { group: "sales", retryPolicy: { maxRetries: 2, delay: 1_000 } };
 * ```
 */
export interface AssetOptions<I extends InputSources = {}, R extends ResourceRequirements = {}>
  extends AssetAttributes,
    AssetNaming,
    PartitioningOptions {
  /**
   * Upstream assets whose values the function receives, typed, in its first argument. Read a
   * partitioned upstream through a mapping with `{ asset, mapping }`.
   */
  ins?: I;
  /** Upstream assets this one depends on without receiving their values (lineage and ordering only). */
  deps?: readonly DepSource[];
  retryPolicy?: RetryPolicy;
  /** The IO manager storing this asset's value. Defaults to "io_manager". */
  ioManagerKey?: string;
  /** Resources the function uses, typed in `ctx.resources`. */
  resources?: R;
  /** Checks the function evaluates itself, yielding `checkResult(name, ...)` for each. */
  checks?: readonly CheckSpec[];
}

/**
 * A single asset, as returned by {@link asset} and {@link graphAsset}. Use it in other assets'
 * `ins` (its value type flows into their function) or `deps`, in `Definitions`, and in
 * selections.
 *
 * @example
 * ```ts
 * const orders = asset("orders", () => [{ id: 1, total: 9.5 }]);
 * const revenue = asset("revenue", { ins: { orders } }, ({ orders }) => orders.reduce((s, o) => s + o.total, 0));
 * ```
 */
export class SingleAssetDefinition<T = unknown> extends AssetsDefinition implements Typed<T> {
  declare readonly __valueType?: T;
  /** The asset's key parts, e.g. `["sales", "orders"]`. */
  readonly key: readonly string[];
  /** @internal The step output carrying the value. */
  readonly outputName: string;

  /** @internal */
  constructor(blueprint: AssetsDefinition["blueprint"]) {
    super(blueprint);
    const only = blueprint.assets[0]!;
    this.key = only.key;
    this.outputName = only.outputName;
  }
}

/** Resolves the key of an asset from its naming options. @internal */
export function resolveAssetKey(naming: AssetNaming, culprit: string): string[] {
  if (naming.key !== undefined) {
    if (naming.name !== undefined || naming.keyPrefix !== undefined) {
      throw new DefinitionError("invalid_option", culprit, "give either key, or name with an optional keyPrefix, not both");
    }
    return parseAssetKey(naming.key, culprit);
  }
  if (naming.name === undefined) throw new DefinitionError("invalid_name", culprit, "an asset needs a name or a key");
  const name = checkName(naming.name, "asset name", culprit);
  const prefix = naming.keyPrefix === undefined ? [] : parseAssetKey(naming.keyPrefix, culprit);
  return [...prefix, name];
}

/** Resolves `ins` and `deps` of a definition. @internal */
export function resolveUpstreams(
  ins: InputSources | undefined,
  deps: readonly DepSource[] | undefined,
  culprit: string,
): { inputs: BlueprintInput[]; deps: UpstreamRef[] } {
  const inputs: BlueprintInput[] = Object.entries(ins ?? {}).map(([name, source]) => {
    checkName(name, "input name", culprit);
    const { ref, ioManagerKey } = inputRef(source, culprit, name);
    return { name, upstream: ref, ioManagerKey };
  });
  if (deps !== undefined && !Array.isArray(deps)) throw new DefinitionError("invalid_option", culprit, "deps must be an array");
  return { inputs, deps: (deps ?? []).flatMap((d) => depRefs(d, culprit)) };
}

/**
 * The fields every blueprint has but its kind and assets: its name and culprit, its upstreams (as
 * {@link resolveUpstreams} resolved them), whether a run may select some of its assets, and its
 * partitioning. @internal
 */
export function blueprintBase(
  name: string,
  culprit: string,
  upstreams: { inputs: BlueprintInput[]; deps: UpstreamRef[] },
  canSubset: boolean,
  partitioning: PartitioningOptions,
) {
  return { name, culprit, ...upstreams, canSubset, ...normalizePartitioning(partitioning, culprit) };
}

/**
 * Declares an asset: a function whose return value is the asset's data (Dagster's `@asset`).
 * The function receives its `ins` values, typed, then a context; it may be sync, async, or an
 * async generator yielding one `output(...)`.
 *
 * The arguments are `(inputs, ctx)`, inputs first: most assets read inputs and few need the
 * context, and an object of inputs destructures cleanly (`({ orders }) => …`), so the seed's
 * `() => ({ key: "value" })` and typed `ins` read naturally.
 *
 * @example
 * ```ts
 * export const myDataAsset = asset("my_data_asset", () => ({ key: "value" }));
 *
 * export const revenue = asset(
 *   "revenue",
 *   { ins: { orders }, group: "sales", owners: ["team:finance"] },
 *   ({ orders }, ctx) => {
 *     ctx.log.info(`summing ${orders.length} orders`);
 *     return orders.reduce((sum, o) => sum + o.total, 0);
 *   },
 * );
 * ```
 */
export function asset<Out>(name: string, fn: (inputs: {}, ctx: AssetContext) => Out): SingleAssetDefinition<AssetValue<Out>>;
export function asset<I extends InputSources = {}, R extends ResourceRequirements = {}, Out = unknown>(
  name: string,
  options: AssetOptions<I, R>,
  fn: (inputs: InputValues<I>, ctx: AssetContext<R>) => Out,
): SingleAssetDefinition<AssetValue<Out>>;
export function asset<I extends InputSources = {}, R extends ResourceRequirements = {}, Out = unknown>(
  options: AssetOptions<I, R>,
  fn: (inputs: InputValues<I>, ctx: AssetContext<R>) => Out,
): SingleAssetDefinition<AssetValue<Out>>;
export function asset(first: unknown, second: unknown, third?: unknown): SingleAssetDefinition<unknown> {
  const [options, fn] = overloadedArguments<AssetOptions<InputSources, ResourceRequirements>>(first, second, third);
  const provisional = `asset "${options.name ?? (options.key === undefined ? "?" : String(options.key))}"`;
  const key = resolveAssetKey(options, provisional);
  const keyString = assetKeyToString(key);
  const culprit = `asset "${keyString}"`;
  if (typeof fn !== "function") throw new DefinitionError("invalid_option", culprit, "the asset's function is missing");
  const upstreams = resolveUpstreams(options.ins, options.deps, culprit);
  const compute = fn as (inputs: Record<string, unknown>, ctx: unknown) => unknown;
  const blueprint: ComputeBlueprint = {
    kind: "asset",
    ...blueprintBase(keyString, culprit, upstreams, false, options),
    retryPolicy: normalizeRetryPolicy(options.retryPolicy, culprit),
    resourceKeys: Object.keys(options.resources ?? {}),
    assets: [singleOutput(key, options, culprit, null)],
    checks: resolveInStepChecks(options.checks, [keyString], culprit),
    fn: compute,
  };
  return new SingleAssetDefinition(blueprint);
}

/**
 * The arguments of `asset` and `graphAsset` overloads: `(name, fn)`, `(name, options, fn)` or
 * `(options, fn)`, as the options (with the name) and the function. @internal
 */
export function overloadedArguments<O extends { name?: string | undefined }>(
  first: unknown,
  second: unknown,
  third: unknown,
): [O, unknown] {
  if (typeof first !== "string") return [(first ?? {}) as O, second];
  return typeof second === "function" ? [{ name: first } as O, second] : [{ ...(second as O), name: first }, third];
}

/** The one output, "result", of an asset or a graph asset. @internal */
export function singleOutput(
  key: readonly string[],
  options: AssetAttributes & { ioManagerKey?: string | undefined },
  culprit: string,
  producer: BlueprintAsset["producer"],
): BlueprintAsset {
  return {
    key,
    keyString: assetKeyToString(key),
    outputName: "result",
    attributes: normalizeAttributes(options, culprit),
    isRequired: true,
    ioManagerKey: checkName(options.ioManagerKey ?? DEFAULT_IO_MANAGER_KEY, "ioManagerKey", culprit),
    internalDeps: null,
    producer,
  };
}
