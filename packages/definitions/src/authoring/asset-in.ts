import type { PartitionMapping } from "@strata/protocol";
import { parseAssetKey, type AssetKeyInput } from "./asset-key.js";
import type { AssetsDefinition } from "./assets-definition.js";
import type { UpstreamRef } from "./blueprint.js";
import { DefinitionError } from "./definition-error.js";
import { DEFAULT_IO_MANAGER_KEY } from "../io/io-manager.js";

/**
 * Something that carries, at compile time only, the type of the value it stands for. Asset
 * definitions, multi-asset outputs, `AssetIn`s and graph handles all do; `ins` use it to type
 * the function's inputs.
 */
export interface Typed<T> {
  /** Compile-time only; never set. */
  readonly __valueType?: T;
}

/**
 * The value type an asset, multi-asset output, `AssetIn` or graph handle stands for
 * (`unknown` for an untyped `{ key }`).
 *
 * @example
 * ```ts
 * const orders = asset("orders", () => [{ id: 1 }]);
 * type Orders = ValueOf<typeof orders>; // { id: number }[]
 * ```
 */
export type ValueOf<S> = S extends { readonly asset: infer A } ? ValueOf<A> : S extends Typed<infer T> ? T : unknown;

/**
 * One output of a multi-asset, to use in another asset's `ins` or `deps`:
 * `myMultiAsset.out.asset_one`.
 *
 * @example
 * ```ts
 * const upper = asset("upper", { ins: { one: myMultiAsset.out.asset_one } }, ({ one }) => one.toUpperCase());
 * ```
 */
export class AssetOutputRef<T = unknown> implements Typed<T> {
  declare readonly __valueType?: T;
  /** @internal */
  readonly definition: AssetsDefinition;
  readonly outputName: string;
  readonly key: readonly string[];

  /** @internal */
  constructor(definition: AssetsDefinition, outputName: string, key: readonly string[]) {
    this.definition = definition;
    this.outputName = outputName;
    this.key = key;
  }
}

/**
 * An input named by asset key rather than by reference (Dagster's `AssetIn`): for an asset of
 * another code location, or to avoid an import. Type the value with the generic; without it
 * the input is `unknown`. A key that no asset of the same `Definitions` produces is loaded
 * through `ioManagerKey` from wherever the other location stored it. `mapping` says which
 * partitions of a partitioned upstream the input reads (inferred when absent).
 *
 * An asset may name itself, to read its own earlier partitions (a running total), when it is
 * partitioned by time and `mapping` reaches only earlier windows: both offsets negative, e.g.
 * `timeWindowMapping({ startOffset: -1, endOffset: -1 })` for the day before. The first
 * partition has no earlier one and gets `undefined`; a run over a range gets the partitions
 * before the range. Anything else is refused with a `DefinitionError` "self_dependency".
 *
 * @example
 * ```ts
 * const total = asset(
 *   "total",
 *   { partitions: days, ins: { before: new AssetIn<number | undefined>({ key: "total", mapping: timeWindowMapping({ startOffset: -1, endOffset: -1 }) }) } },
 *   ({ before }, ctx) => (before ?? 0) + countFor(ctx.partition!.key!),
 * );
 * ```
 *
 * @example
 * ```ts
 * const report = asset(
 *   "report",
 *   { ins: { orders: new AssetIn<Order[]>({ key: "sales/orders" }) } },
 *   ({ orders }) => orders.length,
 * );
 * ```
 */
export class AssetIn<T = unknown> implements Typed<T> {
  declare readonly __valueType?: T;
  readonly key: readonly string[];
  readonly ioManagerKey: string;
  readonly mapping: PartitionMapping | null;

  constructor(options: { key: AssetKeyInput; ioManagerKey?: string; mapping?: PartitionMapping }) {
    this.key = parseAssetKey(options.key, "AssetIn");
    this.ioManagerKey = options.ioManagerKey ?? DEFAULT_IO_MANAGER_KEY;
    this.mapping = options.mapping ?? null;
  }
}

/** A single-asset definition, as far as inputs are concerned (avoids an import cycle). */
interface SingleAssetLike extends Typed<unknown> {
  readonly key: readonly string[];
  readonly outputName: string;
  readonly blueprint: AssetsDefinition["blueprint"];
}

/** An upstream named directly: an asset definition, a multi-asset output, an `AssetIn`, or `{ key }`. */
export type DirectInputSource = SingleAssetLike | AssetOutputRef<any> | AssetIn<any> | { readonly key: AssetKeyInput };

/**
 * An upstream read through a partition mapping: which of its partitions a partition of this
 * asset reads (Dagster's `AssetIn(partition_mapping=...)`). The value type is the upstream's.
 *
 * @example
 * ```ts
 * const ins = { raw: { asset: raw, mapping: timeWindowMapping({ startOffset: -6 }) } };
 * ```
 */
export interface MappedInput<S extends DirectInputSource = DirectInputSource> {
  readonly asset: S;
  readonly mapping: PartitionMapping;
}

/**
 * What `ins` values may be: an asset definition, a multi-asset output, an `AssetIn`, a plain
 * `{ key }` object, or any of these with a partition mapping, `{ asset, mapping }`.
 */
export type InputSource = DirectInputSource | MappedInput<any>;

/** A step's `ins`: input name → source. */
export type InputSources = Readonly<Record<string, InputSource>>;

/**
 * The values a function receives for `ins` `I`.
 *
 * @example
 * ```ts
 * type Inputs = InputValues<{ orders: typeof orders }>; // { orders: Order[] }
 * ```
 */
export type InputValues<I> = { [K in keyof I]: ValueOf<I[K]> };

/** What `deps` entries may be: any input source, a whole (multi-)asset definition, or a key. */
export type DepSource = InputSource | AssetsDefinition | AssetKeyInput;

function isDefinitionLike(value: object): value is AssetsDefinition {
  return "blueprint" in value;
}

function isMapped(source: object): source is MappedInput {
  return "asset" in source && "mapping" in source && !isDefinitionLike(source);
}

/** Turns an `ins` value into an upstream reference, carrying its explicit partition mapping. @internal */
export function inputRef(source: InputSource, culprit: string, inputName: string): { ref: UpstreamRef; ioManagerKey: string } {
  if (typeof source === "object" && source !== null && isMapped(source)) {
    if (typeof source.mapping !== "object" || source.mapping === null || typeof source.mapping.kind !== "string") {
      throw new DefinitionError(
        "invalid_option",
        culprit,
        `input "${inputName}" has no valid mapping; use timeWindowMapping(), identityMapping() and friends`,
      );
    }
    if (typeof source.asset === "object" && source.asset !== null && isMapped(source.asset)) {
      throw new DefinitionError("invalid_option", culprit, `input "${inputName}" nests { asset, mapping } in { asset, mapping }`);
    }
    const { ref, ioManagerKey } = inputRef(source.asset, culprit, inputName);
    return { ref: { ...ref, mapping: source.mapping }, ioManagerKey };
  }
  if (source instanceof AssetOutputRef) {
    return {
      ref: { kind: "definition", def: source.definition, outputName: source.outputName, key: source.key },
      ioManagerKey: DEFAULT_IO_MANAGER_KEY,
    };
  }
  if (source instanceof AssetIn) {
    const ref: UpstreamRef = source.mapping ? { kind: "key", key: source.key, mapping: source.mapping } : { kind: "key", key: source.key };
    return { ref, ioManagerKey: source.ioManagerKey };
  }
  if (typeof source === "object" && source !== null && isDefinitionLike(source)) {
    const assets = source.blueprint.assets;
    if (assets.length !== 1) {
      throw new DefinitionError(
        "invalid_option",
        culprit,
        `input "${inputName}" refers to ${source.blueprint.culprit}, which produces ${assets.length} assets; pick one with .out.<name>`,
      );
    }
    const only = assets[0]!;
    return { ref: { kind: "definition", def: source, outputName: only.outputName, key: only.key }, ioManagerKey: DEFAULT_IO_MANAGER_KEY };
  }
  if (typeof source === "object" && source !== null && "key" in source) {
    return { ref: { kind: "key", key: parseAssetKey(source.key, culprit) }, ioManagerKey: DEFAULT_IO_MANAGER_KEY };
  }
  throw new DefinitionError("invalid_option", culprit, `input "${inputName}" is neither an asset, an asset output nor { key }`);
}

/** Turns a `deps` entry into upstream references (a multi-asset contributes all its assets). @internal */
export function depRefs(source: DepSource, culprit: string): UpstreamRef[] {
  if (typeof source === "string" || Array.isArray(source)) return [{ kind: "key", key: parseAssetKey(source as AssetKeyInput, culprit) }];
  if (typeof source === "object" && source !== null && isDefinitionLike(source as object)) {
    const def = source as AssetsDefinition;
    return def.blueprint.assets.map((a) => ({ kind: "definition", def, outputName: a.outputName, key: a.key }));
  }
  return [inputRef(source as InputSource, culprit, "deps").ref];
}
