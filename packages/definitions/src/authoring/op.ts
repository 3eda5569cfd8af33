import type { AssetValue, OutputValue } from "./asset-value.js";
import type { OpOutputsResult } from "./multi-asset-result.js";
import { checkName } from "./asset-key.js";
import type { OpSpec } from "./blueprint.js";
import { DefinitionError } from "./definition-error.js";
import { activeGraph, type OpHandle } from "./graph-builder.js";
import { DEFAULT_IO_MANAGER_KEY } from "../io/io-manager.js";
import type { ResourceRequirements } from "./resource.js";
import { normalizeRetryPolicy, type RetryPolicy } from "./retry-policy.js";
import type { OpContext } from "./step-context.js";

/**
 * Options of {@link op}.
 *
 * @example
 * ```ts
 * const options: OpOptions = { retryPolicy: { maxRetries: 3, delay: 200, backoff: "linear" } };
 * ```
 */
export interface OpOptions<R extends ResourceRequirements = {}, Outs extends readonly string[] | undefined = undefined> {
  description?: string;
  retryPolicy?: RetryPolicy;
  resources?: R;
  /** Names of several outputs; the function then returns (or yields) one value per name. */
  outs?: Outs;
  /** The IO manager storing this op's intermediate outputs. Defaults to "io_manager". */
  ioManagerKey?: string;
}

// A trailing parameter typed as a context is not an input. `any` is left alone (0 extends 1 & any).
type IsContext<L> = 0 extends 1 & L ? false : L extends OpContext<any> ? true : false;
/**
 * An op function's inputs: its parameters, less a trailing `OpContext`.
 *
 * @example
 * ```ts
 * type Inputs = OpInputs<[rows: Row[], ctx: OpContext]>; // [rows: Row[]]
 * ```
 */
export type OpInputs<A extends readonly unknown[]> = A extends readonly [...infer H, infer L] ? (IsContext<L> extends true ? H : A) : A;

/**
 * The handles an invocation takes, one per input.
 *
 * @example
 * ```ts
 * type Args = OpArgs<[number, string]>; // [OpHandle<number>, OpHandle<string>]
 * ```
 */
export type OpArgs<A extends readonly unknown[]> = { [I in keyof A]: OpHandle<A[I]> };

/**
 * What invoking an op in a graph returns: one handle, or one per named output.
 *
 * @example
 * ```ts
 * type One = OpResult<Promise<number>, undefined>; // OpHandle<number>
 * type Two = OpResult<{ a: number; b: string }, ["a", "b"]>; // { a: OpHandle<number>; b: OpHandle<string> }
 * ```
 */
export type OpResult<Out, Outs> = Outs extends readonly string[]
  ? { readonly [K in Outs[number]]: OpHandle<OutputValue<Out, K>> }
  : OpHandle<AssetValue<Out>>;

/**
 * An op: a function to invoke inside a graph function. Each invocation becomes a step of its
 * own, with its own retries and events.
 *
 * @example
 * ```ts
 * const double: OpDefinition<[number], OpHandle<number>> = op("double", (n: number) => n * 2);
 * ```
 */
export type OpDefinition<A extends readonly unknown[], Res> = ((...inputs: OpArgs<A>) => Res) & {
  readonly opName: string;
  /** @internal */
  readonly spec: OpSpec;
};

/**
 * Declares an op (Dagster's `@op`): a computation step inside a graph asset. Its parameters are
 * its inputs, in order, optionally followed by an `OpContext`. Invoking it inside a graph
 * function does not run it: it returns a handle wiring its output to other ops, and the
 * executor runs it later as its own step.
 *
 * @example
 * ```ts
 * const stepOne = op("step_one", () => "intermediate_value");
 * const stepTwo = op("step_two", { retryPolicy: { maxRetries: 2 } }, (value: string, ctx: OpContext) => {
 *   ctx.log.info(`got ${value}`);
 *   return `final_${value}`;
 * });
 * const complexAsset = graphAsset("complex_asset", () => stepTwo(stepOne()));
 * ```
 */
export function op<A extends unknown[], Out>(name: string, fn: (...args: A) => Out): OpDefinition<OpInputs<A>, OpResult<Out, undefined>>;
export function op<
  A extends unknown[],
  Out,
  R extends ResourceRequirements = {},
  const Outs extends readonly string[] | undefined = undefined,
>(
  name: string,
  options: OpOptions<R, Outs>,
  // With `outs`, what the function returns or yields is checked against their names (see OpOutputsResult).
  fn: (...args: A) => Out & NoInfer<Outs extends readonly string[] ? OpOutputsResult<Outs[number], Out> : unknown>,
): OpDefinition<OpInputs<A>, OpResult<Out, Outs>>;
export function op(name: string, second: unknown, third?: unknown): OpDefinition<unknown[], unknown> {
  const culprit = `op "${String(name)}"`;
  checkName(name, "op name", culprit);
  const [options, fn] = (typeof second === "function" ? [{}, second] : [second ?? {}, third]) as [
    OpOptions<ResourceRequirements, readonly string[] | undefined>,
    unknown,
  ];
  if (typeof fn !== "function") throw new DefinitionError("invalid_option", culprit, "the op's function is missing");
  const outs = options.outs ?? null;
  if (outs !== null) {
    if (!Array.isArray(outs) || outs.length === 0)
      throw new DefinitionError("invalid_option", culprit, "outs must list at least one output name");
    for (const out of outs) checkName(out, "out name", culprit);
  }
  const spec: OpSpec = {
    name,
    fn: fn as OpSpec["fn"],
    outs,
    retryPolicy: normalizeRetryPolicy(options.retryPolicy, culprit),
    resourceKeys: Object.keys(options.resources ?? {}),
    description: options.description ?? null,
    ioManagerKey: checkName(options.ioManagerKey ?? DEFAULT_IO_MANAGER_KEY, "ioManagerKey", culprit),
  };
  const invoke = (...inputs: unknown[]) => activeGraph(name).invoke(spec, inputs);
  return Object.assign(invoke, { opName: name, spec }) as unknown as OpDefinition<unknown[], unknown>;
}
