import { errorFromUnionMember, type ErrorMember } from "./error-mapping.js";

/** A union member without the `__typename` it was told apart by. */
export type Unwrapped<T, N> = Omit<Extract<T, { __typename: N }>, "__typename">;

/**
 * The success member of a result union, or the typed error for its error member, thrown.
 * Every mutation and lookup the server answers with a union goes through here, so a caller
 * gets plain data or an exception, never a union to inspect.
 */
export function unwrapResult<T extends { __typename: string }, N extends T["__typename"]>(result: T, success: N): Unwrapped<T, N> {
  if (result.__typename !== success) throw errorFromUnionMember(result as unknown as ErrorMember);
  const { __typename: _, ...data } = result;
  return data as unknown as Unwrapped<T, N>;
}
