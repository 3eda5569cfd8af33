import { isControlFlow } from "../authoring/control-flow.js";

/** The kind of user code a `UserCodeError` came from. */
export type UserCodeKind = "asset" | "multi_asset" | "op" | "check" | "resource" | "io_manager";

/**
 * Which piece of user code was running, for error messages and events.
 *
 * @example
 * ```ts
 * if (error instanceof UserCodeError && error.source.kind === "io_manager") alertStorageTeam(error.source.name);
 * ```
 */
export interface UserCodeSource {
  kind: UserCodeKind;
  /** The asset key, multi-asset name, `<graph>.<op>` step key, check key, resource key or IO manager key. */
  name: string;
}

const LABELS: Record<UserCodeKind, string> = {
  asset: "asset",
  multi_asset: "multi-asset",
  op: "op",
  check: "check",
  resource: "resource",
  io_manager: "IO manager",
};

/**
 * An exception thrown by user code (an asset, op, resource or IO manager), wrapped so that it is
 * never mistaken for a Strata bug. The message names the culprit; `cause` is the original error
 * with its own message and stack.
 *
 * @example
 * ```ts
 * const result = await materialize([broken]);
 * const failure = result.events.find((e) => e.type === "STEP_FAILURE");
 * failure?.message; // 'Error in asset "broken": Cannot read properties of undefined'
 * ```
 */
export class UserCodeError extends Error {
  override readonly name = "UserCodeError";
  readonly source: UserCodeSource;

  constructor(source: UserCodeSource, cause: unknown) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super(`Error in ${LABELS[source.kind]} "${source.name}": ${detail}`, { cause });
    this.source = source;
  }
}

/**
 * The one boundary through which Strata calls user code. Exceptions become `UserCodeError`s
 * naming `source`, except `RetryRequested` and `Failure`, which users throw on purpose to steer
 * the executor and which pass through untouched.
 * @internal
 */
export async function callUserCode<T>(source: UserCodeSource, fn: () => T | PromiseLike<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (isControlFlow(error) || error instanceof UserCodeError) throw error;
    throw new UserCodeError(source, error);
  }
}
