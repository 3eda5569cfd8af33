import type { AssetAttributes } from "./asset-attributes.js";
import { AssetOutputRef, depRefs, type DepSource, type InputSources, type InputValues } from "./asset-in.js";
import { checkName } from "./asset-key.js";
import type { AssetOut } from "./asset-out.js";
import type { OutputValue } from "./asset-value.js";
import type { MultiAssetResult } from "./multi-asset-result.js";
import { blueprintBase, resolveUpstreams } from "./asset.js";
import { AssetsDefinition } from "./assets-definition.js";
import type { Blueprint, BlueprintAsset, ComputeBlueprint } from "./blueprint.js";
import { resolveInStepChecks, type CheckSpec } from "./checks.js";
import { DefinitionError } from "./definition-error.js";
import type { ResourceRequirements } from "./resource.js";
import type { PartitioningOptions } from "./partitions.js";
import { normalizeRetryPolicy, type RetryPolicy } from "./retry-policy.js";
import type { MultiAssetContext } from "./step-context.js";

/** A multi-asset's outs: output name → `AssetOut`. */
// `unknown`, not `any`: as the contextual type of `outs`, this is what `new AssetOut()` infers.
export type AssetOuts = Readonly<Record<string, AssetOut<unknown>>>;

/**
 * The value of each output: the `AssetOut`'s generic when given, else what the function
 * produces. Appears in the inferred type of a multi-asset.
 *
 * @example
 * ```ts
 * type Values = MultiAssetValues<{ a: AssetOut }, { a: number }>; // { a: number }
 * ```
 */
export type MultiAssetValues<O extends AssetOuts, Out> = {
  [K in keyof O & string]: O[K] extends AssetOut<infer T> ? (unknown extends T ? OutputValue<Out, K> : T) : unknown;
};

/**
 * Options of {@link multiAsset}. `group`, `owners`, `tags`, `kinds`, `codeVersion`,
 * `description` and `metadata` apply to every out that does not set its own.
 *
 * @example
 * ```ts
 * multiAsset(
 *   { name: "tables", outs: { users: new AssetOut(), orders: new AssetOut() }, canSubset: true, group: "raw" },
 *   async function* (_, ctx) {
 *     for (const name of ctx.selectedOutputNames) yield output(await dump(name), { name });
 *   },
 * );
 * ```
 */
export interface MultiAssetOptions<
  O extends AssetOuts,
  I extends InputSources = {},
  R extends ResourceRequirements = {},
  Subset extends boolean = boolean,
> extends AssetAttributes,
    PartitioningOptions {
  name: string;
  outs: O;
  ins?: I;
  deps?: readonly DepSource[];
  /**
   * When true, a run may select some of the outs; the function reads `ctx.selectedOutputNames`
   * and need only produce those (so the compiler no longer requires every out in a returned object).
   */
  canSubset?: Subset;
  /** Which upstream assets each out depends on (by default: all of the multi-asset's ins and deps). */
  internalAssetDeps?: { readonly [K in keyof O]?: readonly DepSource[] };
  retryPolicy?: RetryPolicy;
  resources?: R;
  /** Checks the function evaluates itself, each naming the out's asset: `checkSpec(name, { asset })`. */
  checks?: readonly CheckSpec[];
}

/**
 * Several assets computed by one function, as returned by {@link multiAsset} and
 * {@link graphMultiAsset}. Reference one of them downstream with `.out.<name>`, typed.
 *
 * @example
 * ```ts
 * const upper = asset("upper", { ins: { one: myMultiAsset.out.asset_one } }, ({ one }) => one.toUpperCase());
 * ```
 */
export class MultiAssetDefinition<V extends Record<string, unknown> = Record<string, unknown>> extends AssetsDefinition {
  readonly name: string;
  /** One reference per output, for downstream `ins`, `deps` and selections. */
  readonly out: { readonly [K in keyof V]: AssetOutputRef<V[K]> };

  /** @internal */
  constructor(blueprint: Blueprint) {
    super(blueprint);
    this.name = blueprint.name;
    const out: Record<string, AssetOutputRef<unknown>> = {};
    for (const a of blueprint.assets) out[a.outputName] = new AssetOutputRef(this, a.outputName, a.key);
    this.out = out as { readonly [K in keyof V]: AssetOutputRef<V[K]> };
  }
}

/** Builds the blueprint assets of a multi-asset's outs. @internal */
export function outsToAssets(
  outs: AssetOuts,
  internalAssetDeps: Readonly<Record<string, readonly DepSource[] | undefined>> | undefined,
  culprit: string,
  inherited: Partial<AssetAttributes>,
): BlueprintAsset[] {
  if (typeof outs !== "object" || outs === null || Object.keys(outs).length === 0) {
    throw new DefinitionError("invalid_option", culprit, "outs must name at least one AssetOut");
  }
  for (const name of Object.keys(internalAssetDeps ?? {})) {
    if (!(name in outs))
      throw new DefinitionError("invalid_option", culprit, `internalAssetDeps names "${name}", which is not one of its outs`);
  }
  return Object.entries(outs).map(([outputName, out]) => {
    checkName(outputName, "out name", culprit);
    const asset = out.toBlueprintAsset(outputName, culprit, inherited);
    const internal = internalAssetDeps?.[outputName];
    return internal === undefined ? asset : { ...asset, internalDeps: internal.flatMap((d) => depRefs(d, culprit)) };
  });
}

/**
 * Declares several assets computed together by one function (Dagster's `@multi_asset`). The
 * function returns an object with one value per out, or yields `output(value, { name })` one by
 * one: each yielded output is stored and materialized at once, so if the function throws later,
 * what it yielded before stays materialized.
 *
 * The compiler checks what the function produces against `outs`: a value must fit its out's
 * declared type (`new AssetOut<Date>()`), a returned object must hold every required out (unless
 * `canSubset`) and nothing else, and a yielded `output` must be named after an out.
 *
 * @example
 * ```ts
 * export const myMultiAsset = multiAsset(
 *   { name: "my_multi_asset", outs: { asset_one: new AssetOut(), asset_two: new AssetOut() } },
 *   () => ({ asset_one: "value1", asset_two: "value2" }),
 * );
 * ```
 */
export function multiAsset<
  O extends AssetOuts,
  I extends InputSources = {},
  R extends ResourceRequirements = {},
  Out = unknown,
  Subset extends boolean = false,
>(
  options: MultiAssetOptions<O, I, R, Subset>,
  // `Out` is inferred from the function alone (NoInfer); the intersection then checks it against the outs.
  fn: (inputs: InputValues<I>, ctx: MultiAssetContext<R, keyof O & string>) => Out & NoInfer<MultiAssetResult<O, Out, Subset>>,
): MultiAssetDefinition<MultiAssetValues<O, Out>> {
  const culprit = `multi-asset "${String(options?.name)}"`;
  const name = checkName(options?.name, "multi-asset name", culprit);
  if (typeof fn !== "function") throw new DefinitionError("invalid_option", culprit, "the multi-asset's function is missing");
  const upstreams = resolveUpstreams(options.ins, options.deps, culprit);
  const blueprint: ComputeBlueprint = {
    kind: "multi_asset",
    ...blueprintBase(name, culprit, upstreams, options.canSubset ?? false, options),
    retryPolicy: normalizeRetryPolicy(options.retryPolicy, culprit),
    resourceKeys: Object.keys(options.resources ?? {}),
    assets: outsToAssets(options.outs, options.internalAssetDeps, culprit, options),
    checks: [],
    fn: fn as ComputeBlueprint["fn"],
  };
  blueprint.checks = resolveInStepChecks(
    options.checks,
    blueprint.assets.map((a) => a.keyString),
    culprit,
  );
  return new MultiAssetDefinition(blueprint);
}
