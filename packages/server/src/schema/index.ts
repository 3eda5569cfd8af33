import { lexicographicSortSchema, printSchema, type GraphQLSchema } from "graphql";
import { builder } from "../builder.js";
import "./scalars.js";
import "./errors.js";
import "./health.js";
import "./metadata.js";
import "./asset.js";
import "./catalog.js";
import "./lineage.js";
import "./materialization.js";
import "./code-location.js";
import "./token.js";
import "./run-event.js";
import "./run.js";
import "./run-worker.js";
import "./partitions.js";
import "./backfill.js";
import "./asset-check.js";
import "./automation.js";
import "./schedule.js";
import "./sensor.js";

/** Strata's GraphQL schema: the one contract between the server, the SDK and the CLI. */
export const schema: GraphQLSchema = builder.toSchema();

/** The schema as SDL, sorted, as committed in packages/server/schema.graphql. */
export function printStrataSchema(): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
