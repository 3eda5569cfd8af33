import type { CheckResult } from "./checks.js";
import type { MaterializeResult, Output } from "./output.js";

// Type-level rules for what a function's return type means as a stored value. A function may
// return the value, an `Output` wrapping it, a `MaterializeResult` (nothing stored), a promise
// of any of these, or be a (async) generator yielding them.

// A yielded check result is not the asset's value.
type Unwrapped<V> = V extends MaterializeResult ? void : V extends CheckResult ? never : V extends Output<infer T, any> ? T : V;

type NeverToUnknown<T> = [T] extends [never] ? unknown : T;

/** The value a single-asset function produces, given its return type `R`. */
export type AssetValue<R> =
  R extends AsyncGenerator<infer Y, any, any>
    ? Unwrapped<Y>
    : R extends Generator<infer Y, any, any>
      ? Unwrapped<Y>
      : Unwrapped<Awaited<R>>;

type NamedYield<Y, K> = Y extends Output<infer T, infer N> ? (K extends N ? T : never) : never;

/** The value of output `K` of a multi-output function returning `R`. */
export type OutputValue<R, K extends PropertyKey> =
  R extends AsyncGenerator<infer Y, any, any>
    ? NeverToUnknown<NamedYield<Y, K>>
    : R extends Generator<infer Y, any, any>
      ? NeverToUnknown<NamedYield<Y, K>>
      : Awaited<R> extends infer A
        ? K extends keyof A
          ? Unwrapped<A[K]>
          : unknown
        : unknown;
