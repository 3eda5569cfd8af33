import type { AssetOut } from "./asset-out.js";
import type { CheckResult } from "./checks.js";
import type { MaterializeResult, Output } from "./output.js";

// Type-level rules for what a multi-asset's function may return or yield, given its outs: the
// inverse of `OutputValue` (asset-value.ts), which reads value types out of the function. The
// runtime checks the same rules (step-outputs.ts, step-runner.ts) for callers TypeScript cannot
// see, such as plain JavaScript or outs built at run time.

/** The value type an out declares (`unknown` when it declares none; `any` counts as none). */
type DeclaredValue<A> = A extends AssetOut<infer T> ? (0 extends 1 & T ? unknown : T) : unknown;

/** What may stand for out `K` in a returned object: its value, `output(value)`, or a `MaterializeResult`. */
type ProducedValue<T, K> = T | Output<T, (K & string) | undefined> | MaterializeResult;

/**
 * Outs the function must produce: those created without `isRequired: false`, unless the
 * multi-asset can subset (then only the selected ones are required, which depends on the run).
 */
type RequiredOuts<O, Subset extends boolean> = [Subset] extends [false]
  ? { [K in keyof O]: O[K] extends AssetOut<any, true> ? K : never }[keyof O]
  : never;

/** A value good for every out named in `N` (an `output` whose name is a union or a `string`). */
type ValueForAll<O, N extends keyof O> = { [K in N]: (value: DeclaredValue<O[K]>) => void }[N] extends (value: infer V) => void ? V : never;

/** The object a multi-asset's function returns, `A` being what it does return. Keys that are not outs are `never`. */
type ReturnedOuts<O, A, Subset extends boolean> = { [K in RequiredOuts<O, Subset>]: ProducedValue<DeclaredValue<O[K]>, K> } & {
  [K in Exclude<keyof O, RequiredOuts<O, Subset>>]?: ProducedValue<DeclaredValue<O[K]>, K>;
} & { [K in Exclude<keyof A & string, keyof O>]: never };

/** Returning nothing is fine when no out is required. */
type Returned<O, A, Subset extends boolean> = A extends void | undefined | null
  ? [RequiredOuts<O, Subset>] extends [never]
    ? A
    : ReturnedOuts<O, {}, Subset>
  : ReturnedOuts<O, A, Subset>;

/** What each yielded item must be, `Y` being what is yielded: an `output` named after an out and typed by it, or a `MaterializeResult`. */
type YieldedOut<O, Y> = Y extends MaterializeResult | CheckResult
  ? Y
  : Y extends Output<any, infer N>
    ? [N] extends [keyof O]
      ? Output<ValueForAll<O, N>, N>
      : string extends N
        ? Output<ValueForAll<O, keyof O>, N> // a name computed at run time: checked by the runtime
        : Output<unknown, keyof O & string>
    : { [K in keyof O & string]: Output<DeclaredValue<O[K]>, K> }[keyof O & string] | MaterializeResult;

/**
 * What a multi-asset's function with outs `O` may produce, given that it produces `Out`: an
 * object with one entry per required out (optional outs may be left out), a promise of one, or a
 * (async) generator yielding `output(value, { name })` per out. Each value must fit its out's
 * declared type. Used as `Out & MultiAssetResult<O, Out>`, it turns a mistake into a compile
 * error at the offending value while `Out` itself is still inferred from the function.
 *
 * @example
 * ```ts
 * type Ok = MultiAssetResult<{ a: AssetOut<Date, true> }, { a: Date }>; // { a: Date | Output<Date, "a" | undefined> | MaterializeResult }
 * ```
 */
export type MultiAssetResult<O, Out, Subset extends boolean = false> =
  Out extends AsyncGenerator<infer Y, any, any>
    ? AsyncGenerator<YieldedOut<O, Y>, any, any>
    : Out extends Generator<infer Y, any, any>
      ? Generator<YieldedOut<O, Y>, any, any>
      : Out extends PromiseLike<infer A>
        ? PromiseLike<Returned<O, A, Subset>>
        : Returned<O, Out, Subset>;

/**
 * What an op with named outputs `Names` (`op(name, { outs: [...] }, fn)`) may produce, given that
 * it produces `Out`: the rules of {@link MultiAssetResult} for outs of no declared type, none
 * required (whether an op's output may be left out depends on the graph asset using it, which the
 * op does not know; the run checks it).
 *
 * @example
 * ```ts
 * type Ok = OpOutputsResult<"evens" | "odds", { evens: number[]; odds: number[] }>;
 * ```
 */
export type OpOutputsResult<Names extends string, Out> = MultiAssetResult<{ [K in Names]: AssetOut<unknown, boolean> }, Out, false>;
