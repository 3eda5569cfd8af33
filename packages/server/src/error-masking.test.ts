import { GraphQLError } from "graphql";
import { expect, it } from "vitest";
import { useUnexpectedErrorMasking } from "./error-masking.js";
import { createMemoryLogger } from "./logger.js";
import { pluginTestServer } from "./testing/plugin-server.js";

const logger = createMemoryLogger();
const post = pluginTestServer({
  typeDefs: "type Query { boom: String, expected: String }",
  query: {
    boom: () => {
      throw new TypeError("secret connection string postgres://admin:pw@db");
    },
    expected: () => {
      throw new GraphQLError("Not allowed", { extensions: { code: "FORBIDDEN" } });
    },
  },
  context: () => ({ requestId: "req-42" }),
  plugins: [useUnexpectedErrorMasking(logger)],
});

async function query(q: string) {
  const response = await post(q);
  return (await response.json()) as { errors: Array<{ message: string; extensions: Record<string, unknown> }> };
}

it("masks an unexpected error for the client and logs it in full with the request id", async () => {
  const body = await query("{ boom }");
  expect(body.errors[0]!.message).toBe("Unexpected error.");
  expect(body.errors[0]!.extensions).toEqual({ code: "INTERNAL_SERVER_ERROR", requestId: "req-42" });
  expect(JSON.stringify(body)).not.toContain("postgres://");
  const line = logger.lines.find((l) => l.requestId === "req-42");
  expect(line).toMatchObject({ level: "error", message: "unexpected error", path: "boom" });
  expect((line!.error as { message: string }).message).toContain("secret connection string");
});

it("lets a deliberate GraphQLError through unchanged", async () => {
  const body = await query("{ expected }");
  expect(body.errors[0]!.message).toBe("Not allowed");
  expect(body.errors[0]!.extensions.code).toBe("FORBIDDEN");
});
