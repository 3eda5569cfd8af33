import { z } from "zod";

/**
 * An error as plain data: what a STEP_FAILURE carries.
 *
 * @example
 * ```ts
 * const rootCause = (e: SerializedError): SerializedError => (e.cause ? rootCause(e.cause) : e);
 * ```
 */
export interface SerializedError {
  /** The error class, e.g. "UserCodeError", "TypeError". */
  name: string;
  message: string;
  stack: string | null;
  /** The wrapped error: for a `UserCodeError`, the user's own exception. */
  cause: SerializedError | null;
}

// Recursive, so the type is written out once above and the schema is checked against it.
export const serializedErrorSchema: z.ZodType<SerializedError, unknown> = z.object({
  name: z.string(),
  message: z.string(),
  stack: z.string().nullable().default(null),
  get cause(): z.ZodType<SerializedError | null, unknown> {
    return serializedErrorSchema.nullable().default(null);
  },
});
