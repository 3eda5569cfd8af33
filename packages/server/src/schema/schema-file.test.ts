import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { printStrataSchema } from "./index.js";

it("packages/server/schema.graphql is current (regenerate with `npm run schema:print -w @strata/server`)", () => {
  const committed = readFileSync(fileURLToPath(new URL("../../schema.graphql", import.meta.url)), "utf8");
  expect(committed).toBe(printStrataSchema());
});
