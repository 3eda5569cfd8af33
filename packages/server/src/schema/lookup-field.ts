import { requireScope } from "../auth/principal.js";
import { builder } from "../builder.js";
import type { Context } from "../context.js";
import { NotFoundError } from "../errors.js";
import type PrismaTypes from "../generated/pothos-types.js";

/** `row`, or NotFoundError(what, key) when there is none. */
export async function orNotFound<T>(what: string, key: string, row: Promise<T | null>): Promise<T> {
  const found = await row;
  if (!found) throw new NotFoundError(what, key);
  return found;
}

/**
 * The query field `<field>(<arg>: String!|ID!): <type>` with NotFoundError in its result: one row
 * by its key or id, for a principal with `read`.
 */
export function lookupQueryField<Name extends keyof PrismaTypes & string>(
  field: string,
  options: {
    type: Name;
    description?: string;
    /** `key: String!` or `id: ID!`. */
    arg: "key" | "id";
    /** The argument checked and normalized; default: as given. */
    parse?: (value: string) => string;
    /** The row, or NotFoundError (see orNotFound). */
    load: (ctx: Context, query: object, key: string) => Promise<PrismaTypes[Name]["Shape"]>;
  },
): void {
  // Typed as one model: Pothos cannot check a field generic in its model; the caller's `load` is.
  type One = PrismaTypes["Run"]["Shape"];
  builder.queryField(field, (t) =>
    t.prismaField({
      type: options.type as "Run",
      ...(options.description !== undefined && { description: options.description }),
      errors: { types: [NotFoundError] },
      args: options.arg === "id" ? { id: t.arg.id({ required: true }) } : { key: t.arg.string({ required: true }) },
      resolve: (query, _root, args, ctx) => {
        requireScope(ctx.principal, "read");
        const value = String((args as Record<string, string | number>)[options.arg]);
        return options.load(ctx, query, options.parse ? options.parse(value) : value) as Promise<One>;
      },
    }),
  );
}
