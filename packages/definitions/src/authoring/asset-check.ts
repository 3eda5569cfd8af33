import { checkKey as joinCheckKey } from "@strata/protocol";
import { inputRef, type InputSource, type ValueOf } from "./asset-in.js";
import { assetKeyToString, checkName } from "./asset-key.js";
import type { BlueprintInput } from "./blueprint.js";
import type { CheckResultInput } from "./checks.js";
import { DefinitionError } from "./definition-error.js";
import type { ResourceRequirements } from "./resource.js";
import { normalizeRetryPolicy, type NormalizedRetryPolicy, type RetryPolicy } from "./retry-policy.js";
import type { StepContextBase } from "./step-context.js";

/**
 * The second argument of a check function.
 *
 * @example
 * ```ts
 * assetCheck(orders, { name: "no_nulls" }, (orders, ctx: CheckContext) => {
 *   ctx.log.info(`checking ${ctx.assetKey}`);
 *   return { passed: orders.every((o) => o.id != null) };
 * });
 * ```
 */
export interface CheckContext<R = {}> extends StepContextBase<R> {
  /** The checked asset's key, e.g. "sales/orders". */
  assetKey: string;
  /** The check's key, e.g. "sales/orders#no_nulls". */
  checkKey: string;
}

/**
 * Options of {@link assetCheck}.
 *
 * @example
 * ```ts
 * const options: AssetCheckOptions = { name: "no_nulls", blocking: true, description: "every order has an id" };
 * ```
 */
export interface AssetCheckOptions<R extends ResourceRequirements = {}> {
  name: string;
  /**
   * When true, a failure with severity ERROR (or a check that throws) skips every step
   * downstream of the checked asset in the run, and the run fails. WARN never blocks.
   */
  blocking?: boolean;
  description?: string;
  retryPolicy?: RetryPolicy;
  /** Resources the function uses, typed in `ctx.resources`. */
  resources?: R;
}

/** @internal What `Definitions` builds the check's step from. */
export interface CheckBlueprint {
  key: string;
  name: string;
  assetKeyString: string;
  culprit: string;
  blocking: boolean;
  description: string | null;
  input: BlueprintInput;
  retryPolicy: NormalizedRetryPolicy | null;
  resourceKeys: readonly string[];
  fn: (value: unknown, ctx: unknown) => unknown;
}

/**
 * A check that runs in a step of its own, after its asset's step, reading the asset's stored
 * value (as returned by {@link assetCheck}). List it in `new Definitions({ checks })`.
 */
export class AssetCheckDefinition<T = unknown> {
  declare readonly __valueType?: T;
  /** @internal */
  readonly blueprint: CheckBlueprint;
  /** `<asset key>#<name>`, e.g. "sales/orders#no_nulls". */
  readonly key: string;

  /** @internal */
  constructor(blueprint: CheckBlueprint) {
    this.blueprint = blueprint;
    this.key = blueprint.key;
  }
}

/**
 * Declares a check of an asset that runs as a step of its own (Dagster's `@asset_check`): its
 * function receives the asset's value, typed by the asset, and returns whether it passed
 * (a boolean or a {@link CheckResultInput} with severity, metadata and description). A run that
 * selects the asset runs the check right after it; `strata checks run` runs it alone on the
 * latest stored value. Works for any asset: of `asset`, one out of a `multiAsset`
 * (`myMultiAsset.out.name`), a `graphAsset`, or another location's asset by `{ key }`. A check
 * that throws counts as failed with ERROR.
 *
 * @example
 * ```ts
 * export const noNulls = assetCheck(orders, { name: "no_nulls", blocking: true }, (orders) => ({
 *   passed: orders.every((o) => o.id != null),
 *   metadata: { rows: orders.length },
 * }));
 * export default new Definitions({ assets: [orders, revenue], checks: [noNulls] });
 * ```
 */
export function assetCheck<S extends InputSource, R extends ResourceRequirements = {}>(
  asset: S,
  options: AssetCheckOptions<R>,
  fn: (value: ValueOf<S>, ctx: CheckContext<R>) => CheckResultInput | boolean | Promise<CheckResultInput | boolean>,
): AssetCheckDefinition<ValueOf<S>> {
  const provisional = `check "${options?.name ?? "?"}"`;
  if (!options || typeof options !== "object") throw new DefinitionError("invalid_option", provisional, "options with a name are required");
  checkName(options.name, "check name", provisional);
  if (typeof fn !== "function") throw new DefinitionError("invalid_option", provisional, "the check's function is missing");
  const { ref, ioManagerKey } = inputRef(asset, provisional, options.name);
  const assetKeyString = assetKeyToString(ref.key);
  const key = joinCheckKey(assetKeyString, options.name);
  const culprit = `check "${key}"`;
  // The step's one input is named after the asset, as Dagster's check functions name their parameter.
  const inputName = ref.key.at(-1)!;
  return new AssetCheckDefinition({
    key,
    name: options.name,
    assetKeyString,
    culprit,
    blocking: options.blocking ?? false,
    description: options.description ?? null,
    input: { name: inputName, upstream: ref, ioManagerKey },
    retryPolicy: normalizeRetryPolicy(options.retryPolicy, culprit),
    resourceKeys: Object.keys(options.resources ?? {}),
    fn: fn as CheckBlueprint["fn"],
  });
}
