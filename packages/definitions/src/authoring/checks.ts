import { checkKey as joinCheckKey, type CheckSeverity } from "@strata/protocol";
import { assetKeyToString, checkName, parseAssetKey, type AssetKeyInput } from "./asset-key.js";
import { DefinitionError } from "./definition-error.js";
import type { MetadataInput } from "./metadata.js";

/**
 * Options of {@link checkSpec}.
 *
 * @example
 * ```ts
 * const options: CheckSpecOptions = { blocking: true, description: "every order has an id" };
 * ```
 */
export interface CheckSpecOptions {
  /**
   * When true, a failure with severity ERROR (or a check that throws) skips every step
   * downstream of the checked asset in the run, and the run fails. WARN never blocks.
   */
  blocking?: boolean;
  description?: string;
  /** For a multi-asset: the asset (one of its outs' keys) the check is about. */
  asset?: AssetKeyInput;
}

/**
 * A check an asset evaluates inside its own step (Dagster's `AssetCheckSpec`): declared in the
 * asset's `checks`, its result yielded by the asset's function with {@link checkResult}.
 * Build one with {@link checkSpec}.
 */
export interface CheckSpec {
  readonly name: string;
  readonly blocking: boolean;
  readonly description: string | null;
  /** The checked asset's key for a multi-asset's check; `null`: the asset declaring it. */
  readonly asset: readonly string[] | null;
}

/**
 * Declares a check evaluated inside an asset's own step: the asset yields its result with
 * {@link checkResult}, before or after its output. A result yielded before the output is about
 * the value that output then stores (write-audit-publish): a blocking failure keeps the
 * materialization recorded and stops everything downstream.
 *
 * @example
 * ```ts
 * const orders = asset("orders", { checks: [checkSpec("has_rows", { blocking: true })] }, async function* () {
 *   const rows = await loadOrders();
 *   yield checkResult("has_rows", { passed: rows.length > 0, metadata: { rows: rows.length } });
 *   yield output(rows);
 * });
 * ```
 */
export function checkSpec(name: string, options: CheckSpecOptions = {}): CheckSpec {
  const culprit = `check "${name}"`;
  checkName(name, "check name", culprit);
  return {
    name,
    blocking: options.blocking ?? false,
    description: options.description ?? null,
    asset: options.asset === undefined ? null : parseAssetKey(options.asset, culprit),
  };
}

/**
 * What a check found. `passed: false` with severity ERROR (the default) fails the check; WARN
 * warns. Metadata is shown with the result, as a materialization's.
 *
 * @example
 * ```ts
 * const result: CheckResultInput = { passed: nulls === 0, severity: "WARN", metadata: { null_rows: nulls } };
 * ```
 */
export interface CheckResultInput {
  passed: boolean;
  severity?: CheckSeverity;
  metadata?: MetadataInput;
  description?: string;
}

/**
 * A check's result, yielded by an asset that declares the check in `checks` (Dagster's
 * `AssetCheckResult`). Build one with {@link checkResult}.
 */
export class CheckResult {
  // An ES private field makes the class nominal, as `Output` is.
  readonly #brand = true;
  readonly name: string;
  /** For a multi-asset: which of its assets; `null` when the check's spec says it. */
  readonly asset: readonly string[] | null;
  readonly passed: boolean;
  readonly severity: CheckSeverity;
  readonly metadata: MetadataInput;
  readonly description: string | null;

  constructor(name: string, result: CheckResultInput & { asset?: AssetKeyInput }) {
    this.name = name;
    this.asset = result.asset === undefined ? null : parseAssetKey(result.asset, `check result "${name}"`);
    this.passed = result.passed;
    this.severity = result.severity ?? "ERROR";
    this.metadata = result.metadata ?? {};
    this.description = result.description ?? null;
  }

  /** @internal */
  static isCheckResult(value: unknown): value is CheckResult {
    return typeof value === "object" && value !== null && #brand in value;
  }
}

/**
 * The result of a check declared in the asset's `checks`, to yield from the asset's function.
 *
 * @example
 * ```ts
 * yield checkResult("no_nulls", { passed: nulls === 0, metadata: { null_rows: nulls } });
 * ```
 */
export function checkResult(name: string, result: CheckResultInput & { asset?: AssetKeyInput }): CheckResult {
  if (typeof result?.passed !== "boolean") {
    throw new DefinitionError("invalid_option", `check result "${name}"`, "passed must be true or false");
  }
  return new CheckResult(name, result);
}

/** A check as a step evaluates it, resolved. @internal */
export interface StepCheckSpec {
  key: string;
  name: string;
  assetKeyString: string;
  blocking: boolean;
  description: string | null;
}

/** Resolves an asset's or multi-asset's `checks` against the assets it produces. @internal */
export function resolveInStepChecks(
  specs: readonly CheckSpec[] | undefined,
  assetKeys: readonly string[],
  culprit: string,
): StepCheckSpec[] {
  if (specs === undefined) return [];
  if (!Array.isArray(specs)) throw new DefinitionError("invalid_option", culprit, "checks must be an array of checkSpec(...)");
  const seen = new Set<string>();
  return specs.map((spec) => {
    let assetKeyString: string;
    if (spec.asset === null) {
      if (assetKeys.length !== 1) {
        throw new DefinitionError(
          "invalid_option",
          culprit,
          `check "${spec.name}" must say which asset it checks: checkSpec("${spec.name}", { asset: ${assetKeys.map((k) => `"${k}"`).join(" | ")} })`,
        );
      }
      assetKeyString = assetKeys[0]!;
    } else {
      assetKeyString = assetKeyToString(spec.asset);
      if (!assetKeys.includes(assetKeyString)) {
        throw new DefinitionError(
          "invalid_option",
          culprit,
          `check "${spec.name}" names asset "${assetKeyString}", which this definition does not produce`,
        );
      }
    }
    const key = joinCheckKey(assetKeyString, spec.name);
    if (seen.has(key)) throw new DefinitionError("duplicate_key", culprit, `declares check "${key}" twice`);
    seen.add(key);
    return { key, name: spec.name, assetKeyString, blocking: spec.blocking, description: spec.description };
  });
}
