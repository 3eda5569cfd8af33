import { builder } from "../builder.js";

/**
 * A GraphQL enum whose values are the keys of `values`, in that order, each described by its
 * string (null: no description).
 */
export function describedEnum<const Values extends Record<string, string | null>>(name: string, values: Values, description?: string) {
  return builder.enumType(name, {
    ...(description !== undefined && { description }),
    values: Object.fromEntries(
      Object.entries(values).map(([value, text]) => [value, text === null ? {} : { description: text }]),
    ) as Record<keyof Values & string, { description?: string }>,
  });
}
