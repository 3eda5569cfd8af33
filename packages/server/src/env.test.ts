import { resolve } from "node:path";
import { expect, it } from "vitest";
import { EnvError, parseEnv } from "./env.js";

it("defaults to embedded PGlite in .strata/db on port 4000", () => {
  const env = parseEnv({});
  expect(env.PORT).toBe(4000);
  expect(env.DATABASE_URL).toBeUndefined();
  expect(env.pgliteDir).toBe(resolve(".strata", "db"));
});

it("reads PORT, DATABASE_URL and STRATA_HOME", () => {
  const env = parseEnv({ PORT: "5001", DATABASE_URL: "postgres://u@h:5432/d", STRATA_HOME: "/var/lib/strata" });
  expect(env).toMatchObject({ PORT: 5001, DATABASE_URL: "postgres://u@h:5432/d", pgliteDir: "/var/lib/strata/db" });
});

it("names every bad variable at once", () => {
  expect(() => parseEnv({ PORT: "eighty", DATABASE_URL: "mysql://x" })).toThrow(EnvError);
  expect(() => parseEnv({ PORT: "eighty", DATABASE_URL: "mysql://x" })).toThrow(/PORT: .*; DATABASE_URL: DATABASE_URL must be a postgres/);
});

it("treats an empty variable as unset", () => {
  expect(parseEnv({ DATABASE_URL: "" }).DATABASE_URL).toBeUndefined();
});
