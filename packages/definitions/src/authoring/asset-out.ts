import { normalizeAttributes, type AssetAttributes, type NormalizedAttributes } from "./asset-attributes.js";
import type { Typed } from "./asset-in.js";
import { assetKeyToString, checkName, parseAssetKey, type AssetKeyInput } from "./asset-key.js";
import type { BlueprintAsset } from "./blueprint.js";
import { DefinitionError } from "./definition-error.js";
import { DEFAULT_IO_MANAGER_KEY } from "../io/io-manager.js";

/**
 * Options of one output of a multi-asset. The asset key defaults to the output's name (under
 * `keyPrefix`, if given).
 *
 * @example
 * ```ts
 * new AssetOut({ keyPrefix: "sales", group: "sales", owners: ["team:sales"], isRequired: false });
 * ```
 */
export interface AssetOutOptions extends AssetAttributes {
  key?: AssetKeyInput;
  keyPrefix?: AssetKeyInput;
  /** When false, the function may leave this output out; assets downstream of it are then skipped. */
  isRequired?: boolean;
  ioManagerKey?: string;
}

/**
 * One asset produced by a multi-asset (Dagster's `AssetOut`). The generic, when given, types the
 * value for downstream `ins` and is checked against what the function returns or yields;
 * otherwise the value type is inferred from the function. An out is required (the function must
 * produce it) unless created with `isRequired: false`; `Required` records which, for the
 * compile-time check of the multi-asset's function (`boolean` when it is not known statically).
 *
 * @example
 * ```ts
 * const outs = {
 *   asset_one: new AssetOut(), // AssetOut<unknown, true>
 *   asset_two: new AssetOut<Date>({ keyPrefix: "sales", description: "second table", isRequired: false }), // AssetOut<Date, false>
 * };
 * ```
 */
export interface AssetOut<T = unknown, Required extends boolean = boolean> extends AssetOutImpl<T, Required> {}

/**
 * `new AssetOut(...)`. A class constructor cannot choose its instance type per call, so
 * `new AssetOut<Date>({ isRequired: false })` could not be both explicitly typed and inferred as
 * optional; these construct signatures can, and the class below implements them.
 */
interface AssetOutConstructor {
  new <T = unknown>(options: AssetOutOptions & { isRequired: false }): AssetOut<T, false>;
  new <T = unknown>(options?: AssetOutOptions & { isRequired?: true }): AssetOut<T, true>;
  new <T = unknown>(options?: AssetOutOptions): AssetOut<T, boolean>;
}

class AssetOutImpl<T, Required extends boolean> implements Typed<T> {
  declare readonly __valueType?: T;
  /** Compile-time only; never set. */
  declare readonly __isRequired?: Required;
  readonly options: AssetOutOptions;

  constructor(options: AssetOutOptions = {}) {
    this.options = options;
  }

  /** Resolves this out into a blueprint asset named `outputName`. @internal */
  toBlueprintAsset(outputName: string, culprit: string, inherited: Partial<AssetAttributes>): BlueprintAsset {
    const options = this.options;
    if (options.key !== undefined && options.keyPrefix !== undefined) {
      throw new DefinitionError("invalid_option", culprit, `out "${outputName}" gives both key and keyPrefix`);
    }
    const key =
      options.key !== undefined
        ? parseAssetKey(options.key, culprit)
        : [...(options.keyPrefix === undefined ? [] : parseAssetKey(options.keyPrefix, culprit)), outputName];
    const keyString = assetKeyToString(key);
    const attributes: NormalizedAttributes = normalizeAttributes(options, `${culprit} out "${outputName}"`, inherited);
    return {
      key,
      keyString,
      outputName,
      attributes,
      isRequired: options.isRequired ?? true,
      ioManagerKey: checkName(options.ioManagerKey ?? DEFAULT_IO_MANAGER_KEY, "ioManagerKey", culprit),
      internalDeps: null,
      producer: null,
    };
  }
}

/** Creates an out; see the {@link AssetOut} type. */
export const AssetOut: AssetOutConstructor = AssetOutImpl;
