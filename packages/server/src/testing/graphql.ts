import type { ExecutionResult } from "graphql";
import type { StrataYoga } from "../yoga.js";

/** Posts one GraphQL operation to `yoga.fetch` and returns the parsed result. */
export async function gql<Data = Record<string, any>>(
  yoga: StrataYoga,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<ExecutionResult<Data> & { status: number }> {
  const response = await yoga.fetch("http://strata.test/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/graphql-response+json", ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { ...((await response.json()) as ExecutionResult<Data>), status: response.status };
}
