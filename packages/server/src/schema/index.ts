import { lexicographicSortSchema, printSchema, type GraphQLSchema } from "graphql";
import { builder } from "../builder.js";
import "./scalars.js";
import "./health.js";

/** Strata's GraphQL schema: the one contract between the server, the SDK and the CLI. */
export const schema: GraphQLSchema = builder.toSchema();

/** The schema as SDL, sorted, as committed in packages/server/schema.graphql. */
export function printStrataSchema(): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
