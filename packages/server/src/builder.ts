import SchemaBuilder from "@pothos/core";
import ErrorsPlugin from "@pothos/plugin-errors";
import PrismaPlugin from "@pothos/plugin-prisma";
import RelayPlugin from "@pothos/plugin-relay";
import type { Context } from "./context.js";
import { InvalidArgumentError, UnauthorizedError } from "./errors.js";
import type PrismaTypes from "./generated/pothos-types.js";
import { getDatamodel } from "./generated/pothos-types.js";

/**
 * The one Pothos builder. It holds no types: each domain adds its own in `schema/<domain>.ts`.
 * Prisma's client is taken per request from the context, so one schema serves any database.
 */
export const builder = new SchemaBuilder<{
  Context: Context;
  PrismaTypes: PrismaTypes;
  DefaultFieldNullability: false;
  Scalars: {
    DateTime: { Input: Date; Output: Date | string };
    JSON: { Input: unknown; Output: unknown };
    RunEventPayload: { Input: unknown; Output: unknown };
    IntArray: { Input: number[]; Output: Int32Array | number[] };
    RunEventBatch: { Input: unknown[]; Output: unknown[] };
  };
}>({
  defaultFieldNullability: false,
  plugins: [ErrorsPlugin, PrismaPlugin, RelayPlugin],
  prisma: {
    client: (ctx) => ctx.db.prisma,
    dmmf: getDatamodel(),
    exposeDescriptions: true,
    filterConnectionTotalCount: true,
    onUnusedQuery: null,
    defaultConnectionSize: 50,
    maxConnectionSize: 500,
  },
  relay: {
    clientMutationId: "omit",
    cursorType: "String",
  },
  errors: {
    // Every field with a result union can also answer "not allowed" and "bad argument".
    defaultTypes: [UnauthorizedError, InvalidArgumentError],
    directResult: true,
  },
});

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});
