import type { Blueprint } from "./blueprint.js";

/**
 * Anything `new Definitions({ assets })` accepts: what `asset`, `multiAsset`, `graphAsset` and
 * `graphMultiAsset` return (Dagster's `AssetsDefinition`).
 *
 * @example
 * ```ts
 * const all: AssetsDefinition[] = [myDataAsset, myMultiAsset, complexAsset];
 * new Definitions({ assets: all });
 * ```
 */
export abstract class AssetsDefinition {
  /** @internal The plain description `Definitions` builds steps from. */
  readonly blueprint: Blueprint;

  protected constructor(blueprint: Blueprint) {
    this.blueprint = blueprint;
  }

  /** The keys of the assets this definition produces, "sales/orders" form. */
  get keys(): string[] {
    return this.blueprint.assets.map((a) => a.keyString);
  }
}
