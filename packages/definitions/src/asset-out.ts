import { normalizeAttributes, type AssetAttributes, type NormalizedAttributes } from "./asset-attributes.js";
import type { Typed } from "./asset-in.js";
import { assetKeyToString, checkName, parseAssetKey, type AssetKeyInput } from "./asset-key.js";
import type { BlueprintAsset } from "./blueprint.js";
import { DefinitionError } from "./definition-error.js";
import { DEFAULT_IO_MANAGER_KEY } from "./io-manager.js";

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
 * value for downstream `ins`; otherwise it is inferred from the function.
 *
 * @example
 * ```ts
 * const outs = {
 *   asset_one: new AssetOut(),
 *   asset_two: new AssetOut({ keyPrefix: "sales", description: "second table", isRequired: false }),
 * };
 * ```
 */
export class AssetOut<T = unknown> implements Typed<T> {
  declare readonly __valueType?: T;
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
    const key = options.key !== undefined
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
