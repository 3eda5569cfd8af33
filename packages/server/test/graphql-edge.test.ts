import type { ExecutionResult } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { manifestOf, REGISTER } from "../src/testing/manifests.js";
import { createTestApp, type TestApp } from "../src/testing/test-app.js";
import { testDialect } from "../src/testing/test-database.js";

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
  const { manifest, hash } = manifestOf([{ key: "sales/orders" }, { key: "sales/revenue", deps: ["sales/orders"] }]);
  await app.gql(REGISTER, { name: "sales", manifest, hash });
});
afterAll(() => app.close());

/** Every error a client can get names what went wrong for programs (README: "Errors"). */
function expectCodes(result: ExecutionResult) {
  expect(result.errors?.length).toBeGreaterThan(0);
  for (const error of result.errors!) expect(error.extensions?.code, error.message).toEqual(expect.any(String));
}

const nested = (depth: number) => {
  let value: unknown = "leaf";
  for (let i = 0; i < depth; i++) value = { inner: value };
  return value;
};

describe(`strings and JSON are checked at the edge (${testDialect})`, () => {
  const cases: Array<{ name: string; query: string; variables: Record<string, unknown>; argument: RegExp }> = [
    {
      name: "a NUL in a search",
      query: `query($s: String) { assets(search: $s) { edges { node { key } } } }`,
      variables: { s: "or\u0000ders" },
      argument: /^s$/,
    },
    {
      name: "a lone surrogate in a search",
      query: `query($s: String) { assets(search: $s) { edges { node { key } } } }`,
      variables: { s: "or\ud800ders" },
      argument: /^s$/,
    },
    {
      name: "a NUL in a location filter",
      query: `query($s: String) { assets(location: $s) { edges { node { key } } } }`,
      variables: { s: "sa\u0000les" },
      argument: /^s$/,
    },
    {
      name: "a NUL in a location name",
      query: `query($s: String!) { codeLocation(name: $s) { __typename } }`,
      variables: { s: "sa\u0000les" },
      argument: /^s$/,
    },
    {
      name: "a NUL in a literal argument",
      query: `{ codeLocation(name: "sa\\u0000les") { __typename } }`,
      variables: {},
      argument: /^codeLocation\.name$/,
    },
    {
      name: "a NUL in a JSON literal",
      query: `mutation { reportMaterialization(assetKey: "sales/orders", metadata: { note: "a\\u0000b" }) { __typename } }`,
      variables: {},
      argument: /^reportMaterialization\.metadata\.note$/,
    },
    {
      name: "a NUL in a mutation's text",
      query: `mutation($s: String!) { reportCodeLocationLoadError(name: "sales", error: $s) { __typename } }`,
      variables: { s: "Type\u0000Error" },
      argument: /^s$/,
    },
    {
      name: "a NUL in a materialization's description",
      query: `mutation($s: String) { reportMaterialization(assetKey: "sales/orders", description: $s) { __typename } }`,
      variables: { s: "x\u0000" },
      argument: /^s$/,
    },
    {
      name: "a lone surrogate in a metadata label",
      query: `mutation($m: JSON) { reportMaterialization(assetKey: "sales/orders", metadata: $m) { __typename } }`,
      variables: { m: { "rows\udfff": 1 } },
      argument: /^m\.rows/,
    },
    {
      name: "deeply nested metadata",
      query: `mutation($m: JSON) { reportMaterialization(assetKey: "sales/orders", metadata: $m) { __typename } }`,
      variables: { m: { deep: nested(3000) } },
      argument: /^m\.deep\.inner\.inner/,
    },
    {
      name: "deeply nested metadata in a literal",
      query: `mutation { reportMaterialization(assetKey: "sales/orders", metadata: { deep: ${"{ a: ".repeat(100)}1${" }".repeat(100)} }) { __typename } }`,
      variables: {},
      argument: /^reportMaterialization\.metadata\.deep\.a\.a/,
    },
    {
      name: "a NUL inside a manifest",
      query: REGISTER,
      variables: { name: "nul", ...manifestOf([{ key: "nul/a", description: "raw\u0000orders" }]) },
      argument: /^manifest\.assets\.0\.description$/,
    },
  ];

  for (const { name, query, variables, argument } of cases) {
    it(`refuses ${name} with BAD_USER_INPUT naming the argument, and stores nothing`, async () => {
      const materializations = await app.db.prisma.materialization.count();
      const result = await app.gql(query, variables);
      expect(result.status).toBe(400);
      expect(result.data ?? null).toBeNull();
      expect(result.errors).toHaveLength(1);
      expect(result.errors![0]!.extensions).toMatchObject({ code: "BAD_USER_INPUT", argument: expect.stringMatching(argument) });
      expect(result.errors![0]!.message).toMatch(/NUL|unpaired surrogate|nested deeper than/);
      expect(await app.db.prisma.materialization.count()).toBe(materializations);
      expect(await app.db.prisma.codeLocation.findUnique({ where: { name: "nul" } })).toBeNull();
    });
  }

  it("reads escapes as JSON does: an escaped backslash before u0000 is text, an escaped surrogate pair is one character", async () => {
    // Sent as written: `\\u0000` is a backslash and "u0000", `\ud83d\udce6` a pair (📦).
    const body = `{"query":"mutation($m: JSON, $d: String) { reportMaterialization(assetKey: \\"sales/orders\\", metadata: $m, description: $d) { __typename ... on Materialization { description metadata { value } } } }","variables":{"m":{"path":{"type":"text","value":"C:\\\\u0000"}},"d":"box \\ud83d\\udce6"}}`;
    const response = await app.yoga.fetch("http://strata.test/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${app.admin}` },
      body,
    });
    const result = (await response.json()) as { data?: any; errors?: unknown[] };
    expect(result.errors).toBeUndefined();
    expect(result.data.reportMaterialization.description).toBe("box 📦");
    expect(result.data.reportMaterialization.metadata).toEqual([{ value: "C:\\u0000" }]);
  });

  it("still accepts ordinary text, emoji (surrogate pairs) and metadata nested a few levels", async () => {
    const result = await app.gql(
      `mutation($m: JSON, $d: String) { reportMaterialization(assetKey: "sales/orders", metadata: $m, description: $d) { __typename ... on Materialization { description } } }`,
      { m: { table: { type: "json", value: nested(10) } }, d: "Ünïcode 📦 ok" },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data!.reportMaterialization).toEqual({ __typename: "Materialization", description: "Ünïcode 📦 ok" });
  });
});

describe(`every error carries extensions.code (${testDialect})`, () => {
  const rejected: Array<{ name: string; query: string; variables?: Record<string, unknown>; code: string; status: number }> = [
    {
      name: "a negative first on a relation",
      query: `{ asset(key: "sales/orders") { ... on Asset { materializations(first: -1) { edges { node { id } } } } } }`,
      code: "BAD_USER_INPUT",
      status: 200,
    },
    {
      name: "a negative last on a relation",
      query: `{ asset(key: "sales/orders") { ... on Asset { materializations(last: -5) { edges { node { id } } } } } }`,
      code: "BAD_USER_INPUT",
      status: 200,
    },
    { name: "a negative first on runs", query: `{ runs(first: -1) { edges { node { id } } } }`, code: "BAD_USER_INPUT", status: 200 },
    {
      name: "a first larger than an Int",
      query: `{ assets(first: 99999999999) { edges { node { key } } } }`,
      code: "GRAPHQL_VALIDATION_FAILED",
      status: 400,
    },
    {
      name: "a variable of the wrong type",
      query: `query($n: Int) { assets(first: $n) { edges { node { key } } } }`,
      variables: { n: "ten" },
      code: "BAD_USER_INPUT",
      status: 400,
    },
    {
      name: "a missing required variable",
      query: `query($k: String!) { asset(key: $k) { __typename } }`,
      code: "BAD_USER_INPUT",
      status: 400,
    },
    {
      name: "an unparseable DateTime variable",
      query: `mutation($e: DateTime) { createToken(name: "x", scopes: ["read"], expiresAt: $e) { __typename } }`,
      variables: { e: "soon" },
      code: "BAD_USER_INPUT",
      status: 400,
    },
    {
      name: "a query too deep",
      query: `{ asset(key:"a") { ... on Asset { ${"upstream { ".repeat(16)}key${" }".repeat(16)} } } }`,
      code: "QUERY_LIMIT_EXCEEDED",
      status: 400,
    },
    {
      name: "too many aliases",
      query: `{ ${Array.from({ length: 40 }, (_, i) => `a${i}: health { version }`).join(" ")} }`,
      code: "QUERY_LIMIT_EXCEEDED",
      status: 400,
    },
    {
      name: "a query too costly (literal page sizes)",
      query: `{ assets(first: 500) { edges { node { key materializations(first: 500) { edges { node { id metadata { label } } } } } } } }`,
      code: "QUERY_LIMIT_EXCEEDED",
      status: 400,
    },
    { name: "too many tokens", query: `{ ${"health { version } ".repeat(2000)} }`, code: "QUERY_LIMIT_EXCEEDED", status: 400 },
  ];

  for (const { name, query, variables, code, status } of rejected) {
    it(`${name}: ${code}, HTTP ${status} under application/graphql-response+json`, async () => {
      const result = await app.gql(query, variables);
      expectCodes(result);
      expect(result.errors![0]!.extensions!.code).toBe(code);
      expect(result.status).toBe(status);
    });
  }

  it("names the limit a rejected query exceeded", async () => {
    const result = await app.gql(`{ ${Array.from({ length: 40 }, (_, i) => `a${i}: health { version }`).join(" ")} }`);
    expect(result.errors![0]!.extensions).toMatchObject({ code: "QUERY_LIMIT_EXCEEDED", limit: "aliases", max: 30 });
    expect(result.errors![0]!.message).not.toMatch(/Syntax Error/);
  });

  it("answers a rejected query with HTTP 200 under plain application/json, as GraphQL-over-HTTP allows", async () => {
    const response = await app.yoga.fetch("http://strata.test/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json", authorization: `Bearer ${app.admin}` },
      body: JSON.stringify({ query: `{ ${Array.from({ length: 40 }, (_, i) => `a${i}: health { version }`).join(" ")} }` }),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as ExecutionResult).errors![0]!.extensions!.code).toBe("QUERY_LIMIT_EXCEEDED");
  });
});

describe(`the cost limit counts page sizes given in variables (${testDialect})`, () => {
  const query = `query($n: Int) { assets(first: $n) { edges { node { key materializations(first: $n) { edges { node { id metadata { label } } } } } } } }`;

  it("refuses the same costly query as with literals", async () => {
    const result = await app.gql(query, { n: 500 });
    expect(result.status).toBe(400);
    expect(result.errors![0]!.extensions).toMatchObject({ code: "QUERY_LIMIT_EXCEEDED", limit: "cost" });
  });

  it("uses a variable's default when the request does not give it", async () => {
    const result = await app.gql(query.replace("$n: Int", "$n: Int = 500"));
    expect(result.errors![0]!.extensions).toMatchObject({ code: "QUERY_LIMIT_EXCEEDED", limit: "cost" });
  });

  it("accepts it with small pages", async () => {
    const result = await app.gql(query, { n: 10 });
    expect(result.errors).toBeUndefined();
    expect(result.data!.assets.edges).toHaveLength(2);
  });

  it("counts subscriptions too", async () => {
    const subscription = await app.subscribe(
      `subscription($n: Int) { assetMaterialized { asset { materializations(first: $n) { edges { node { asset { materializations(first: $n) { edges { node { id metadata { label } } } } } } } } } } }`,
      { n: 500 },
    );
    const first = await subscription.next();
    subscription.close();
    expect(first.errors![0]!.extensions).toMatchObject({ code: "QUERY_LIMIT_EXCEEDED", limit: "cost" });
  });
});

describe(`refusals tell an anonymous caller nothing about the catalog (${testDialect})`, () => {
  it("an anonymous reportMaterialization of a defined asset reads like one of an unknown asset", async () => {
    const query = `mutation($k: String!) { reportMaterialization(assetKey: $k) { __typename ... on Error { message code } ... on UnauthorizedError { requiredScope } } }`;
    const defined = await app.gql(query, { k: "sales/orders" }, null);
    const unknown = await app.gql(query, { k: "nobody/defines/this" }, null);
    expect(defined.data!.reportMaterialization).toMatchObject({
      __typename: "UnauthorizedError",
      code: "FORBIDDEN",
      requiredScope: "launch",
    });
    expect(JSON.stringify(defined)).not.toMatch(/sales"|location:sales/);
    expect(defined.data).toEqual(unknown.data);
  });
});

describe(`NODE_ENV=development shows no internals (${testDialect})`, () => {
  it("an authentication that fails inside the server answers a code, without a stack trace or the database's details", async () => {
    const previous = process.env.NODE_ENV;
    process.env.NODE_ENV = "development";
    const broken = await createTestApp();
    try {
      await broken.db.close(); // the token lookup now fails inside the server
      const result = await broken.gql(`{ health { version } }`);
      expectCodes(result);
      expect(result.errors![0]!.extensions!.code).toBe("INTERNAL_SERVER_ERROR");
      const body = JSON.stringify(result);
      expect(body).not.toMatch(/stack|originalError|at .*\.(ts|js):\d+|node_modules|strata_test|pglite/i);
    } finally {
      process.env.NODE_ENV = previous;
      await broken.close().catch(() => undefined);
    }
  });
});
