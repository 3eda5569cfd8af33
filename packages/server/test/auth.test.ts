import { textOf } from "../src/db/sql.js";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { authenticate } from "../src/auth/authenticate.js";
import { assertStillAuthorized, confirmToken } from "../src/auth/revocation.js";
import { parseEnv } from "../src/env.js";
import { startServer } from "../src/server.js";
import { manifestOf, REGISTER } from "../src/testing/manifests.js";
import { createTestApp, type TestApp } from "../src/testing/test-app.js";
import { testDialect } from "../src/testing/test-database.js";

let app: TestApp;
const tokens: Record<string, string> = {};
beforeAll(async () => {
  app = await createTestApp();
  for (const scope of ["read", "launch", "location:sales", "location:web"]) tokens[scope] = await app.token(scope);
  tokens.admin = app.admin;
  const { manifest, hash } = manifestOf([{ key: "sales/orders" }]);
  await app.gql(REGISTER, { name: "sales", manifest, hash }, tokens["location:sales"]);
});
afterAll(() => app.close());

const sales = manifestOf([{ key: "sales/orders" }, { key: "sales/extra" }]);

/** Each mutation, who may run it, and how a refusal reads. */
const mutations: Array<{ name: string; query: string; variables?: Record<string, unknown>; allowed: string[]; refused: string[] }> = [
  {
    name: "registerCodeLocation",
    query: REGISTER,
    variables: { name: "sales", ...sales },
    allowed: ["location:sales", "admin"],
    refused: ["read", "launch", "location:web"],
  },
  {
    name: "reportCodeLocationHeartbeat",
    query: `mutation { reportCodeLocationHeartbeat(name: "sales") { __typename ... on Error { message code } } }`,
    allowed: ["location:sales", "admin"],
    refused: ["read", "launch", "location:web"],
  },
  {
    name: "reportCodeLocationLoadError",
    query: `mutation { reportCodeLocationLoadError(name: "web", error: "boom") { __typename ... on Error { message code } } }`,
    allowed: ["location:web", "admin"],
    refused: ["read", "launch", "location:sales"],
  },
  {
    name: "reportMaterialization",
    query: `mutation { reportMaterialization(assetKey: "sales/orders") { __typename ... on Error { message code } } }`,
    allowed: ["launch", "location:sales", "admin"],
    refused: ["read", "location:web"],
  },
  {
    name: "createToken",
    query: `mutation($name: String!) { createToken(name: $name, scopes: ["read"]) { __typename ... on Error { message code } } }`,
    allowed: ["admin"],
    refused: ["read", "launch", "location:sales"],
  },
  {
    name: "revokeToken",
    query: `mutation { revokeToken(name: "to-revoke") { __typename ... on Error { message code } } }`,
    allowed: ["admin"],
    refused: ["read", "launch", "location:sales"],
  },
];

let createdNames = 0;

describe(`scopes on every mutation (${testDialect})`, () => {
  for (const mutation of mutations) {
    it(`${mutation.name}: refused without a token and for ${mutation.refused.join(", ")}`, async () => {
      for (const scope of [null, ...mutation.refused]) {
        const token = scope === null ? null : tokens[scope]!;
        const result = await app.gql(mutation.query, { name: `n${createdNames++}`, ...mutation.variables }, token);
        const payload = result.data?.[mutation.name];
        expect(payload, `${mutation.name} as ${scope ?? "anonymous"}`).toMatchObject({
          __typename: "UnauthorizedError",
          code: "FORBIDDEN",
        });
        expect(payload.message).toMatch(
          scope === null ? /requires a token with the .* scope; send one as "Authorization: Bearer <token>"/ : /lacks the .* scope/,
        );
      }
    });

    it(`${mutation.name}: allowed for ${mutation.allowed.join(", ")}`, async () => {
      await app.db.prisma.apiToken.upsert({
        where: { name: "to-revoke" },
        create: { name: "to-revoke", tokenHash: "unused-hash", prefix: "strata_", scopes: ["read"] },
        update: {},
      });
      for (const scope of mutation.allowed) {
        const result = await app.gql(mutation.query, { name: `n${createdNames++}`, ...mutation.variables }, tokens[scope]);
        expect(result.data?.[mutation.name]?.__typename, `${mutation.name} as ${scope}`).not.toBe("UnauthorizedError");
        expect(result.errors).toBeUndefined();
      }
    });
  }
});

describe(`scopes on queries and subscriptions (${testDialect})`, () => {
  it("queries need read (or launch, or admin)", async () => {
    const anonymous = await app.gql(`{ assets { edges { node { key } } } }`, {}, null);
    expect(anonymous.errors![0]).toMatchObject({ extensions: { code: "FORBIDDEN", requiredScope: "read" } });
    const location = await app.gql(`{ lineage { edges { upstream } } }`, {}, tokens["location:web"]);
    expect(location.errors![0]!.message).toMatch(/lacks the "read" scope/);
    for (const scope of ["read", "launch", "admin"]) {
      const result = await app.gql(`{ assets { edges { node { key } } } codeLocations { name } }`, {}, tokens[scope]);
      expect(result.errors, scope).toBeUndefined();
    }
    const asset = await app.gql(`{ asset(key: "sales/orders") { __typename } }`, {}, null);
    expect(asset.data!.asset.__typename).toBe("UnauthorizedError");
  });

  it("tokens are listed for admin only", async () => {
    const read = await app.gql(`{ tokens { name } }`, {}, tokens.read);
    expect(read.errors![0]!.message).toMatch(/lacks the "admin" scope/);
    const admin = await app.gql(`{ tokens { name prefix scopes lastUsedAt } }`);
    expect(admin.data!.tokens.map((t: { name: string }) => t.name)).toContain("to-revoke");
    expect(JSON.stringify(admin.data)).not.toMatch(/tokenHash|unused-hash/);
  });

  it("health needs no token (for load balancers)", async () => {
    const result = await app.gql(`{ health { version } }`, {}, null);
    expect(result.errors).toBeUndefined();
  });

  for (const subscription of [
    `subscription { assetMaterialized(keys: ["sales/orders"]) { assetKey } }`,
    `subscription { codeLocationChanged { name } }`,
  ]) {
    it(`refuses ${subscription.slice(15, 40)}… without read`, async () => {
      for (const token of [null, tokens["location:sales"]!]) {
        const stream = await app.subscribe(subscription, {}, token);
        const first = await stream.next();
        stream.close();
        expect(first.errors![0]).toMatchObject({ extensions: { code: "FORBIDDEN" } });
      }
      const allowed = await app.subscribe(subscription, {}, tokens.read);
      expect(allowed.status).toBe(200);
      allowed.close();
    });
  }
});

describe(`tokens (${testDialect})`, () => {
  it("are created with a secret shown once, work, and stop working when revoked", async () => {
    const created = await app.gql(
      `mutation { createToken(name: "ci", scopes: ["read", "location:etl"]) { ... on CreateTokenSuccess { secret token { name prefix scopes revokedAt } } } }`,
    );
    const { secret, token } = created.data!.createToken;
    expect(secret).toMatch(/^strata_[A-Za-z0-9_-]{43}$/);
    expect(token).toEqual({ name: "ci", prefix: secret.slice(0, 13), scopes: ["location:etl", "read"], revokedAt: null });
    expect((await app.gql(`{ codeLocations { name } }`, {}, secret)).errors).toBeUndefined();
    const stored = await app.db.prisma.apiToken.findUniqueOrThrow({ where: { name: "ci" } });
    expect(stored.tokenHash).not.toContain(secret);
    expect(stored.lastUsedAt).not.toBeNull();
    // Checked once, the token is trusted for TOKEN_CACHE_MS without reading it again.
    const statements = vi.spyOn(app.db.sql, "query");
    expect((await app.gql(`{ codeLocations { name } }`, {}, secret)).errors).toBeUndefined();
    const tokenReads = statements.mock.calls.filter(([text]) => textOf(text).includes('FROM "ApiToken"'));
    statements.mockRestore();
    expect(tokenReads).toEqual([]);

    // A revocation through this server is seen at once, cache or not.
    const revoked = await app.gql(`mutation { revokeToken(name: "ci") { ... on ApiToken { revokedAt } } }`);
    expect(revoked.data!.revokeToken.revokedAt).not.toBeNull();
    const after = await app.gql(`{ codeLocations { name } }`, {}, secret);
    expect(after.status).toBe(401);
    expect(after.errors![0]).toMatchObject({ message: 'API token "ci" was revoked', extensions: { code: "UNAUTHENTICATED" } });
  });

  it("keep a stream's token trusted as a request's is, until a revocation through this server or the token's expiry", async () => {
    const secret = await app.token("read");
    const principal = await authenticate(app.db.sql, "required", `Bearer ${secret}`);
    if (principal.kind !== "token") throw new Error("expected a token principal");
    // The request's own authentication just read the token: the stream's checks need not.
    const statements = vi.spyOn(app.db.sql, "query");
    await assertStillAuthorized(app.db.sql, principal);
    await assertStillAuthorized(app.db.sql, principal);
    const tokenReads = statements.mock.calls.filter(([text]) => textOf(text).includes('FROM "ApiToken"'));
    statements.mockRestore();
    expect(tokenReads).toEqual([]);

    // An expiry is never overstayed: a token past its expiresAt is read again, and refused.
    const expired = { ...principal, expiresAt: new Date(Date.now() - 1) };
    await app.db.sql.query(`UPDATE "ApiToken" SET "expiresAt" = now() - interval '1 second' WHERE id = $1`, [principal.id]);
    confirmToken(app.db.sql, expired);
    await expect(assertStillAuthorized(app.db.sql, expired)).rejects.toMatchObject({ message: expect.stringMatching(/has expired/) });
    await app.db.sql.query(`UPDATE "ApiToken" SET "expiresAt" = NULL WHERE id = $1`, [principal.id]);

    // A revocation through this server ends the trust at once.
    await assertStillAuthorized(app.db.sql, principal);
    const name = (await app.db.sql.query<{ name: string }>(`SELECT name FROM "ApiToken" WHERE id = $1`, [principal.id]))[0]!.name;
    expect(
      (await app.gql(`mutation($n: String!) { revokeToken(name: $n) { __typename } }`, { n: name })).data!.revokeToken.__typename,
    ).toBe("ApiToken");
    await expect(assertStillAuthorized(app.db.sql, principal)).rejects.toMatchObject({
      message: expect.stringMatching(/was revoked/),
      extensions: { code: "UNAUTHENTICATED" },
    });
  });

  it("refuses invalid scopes, duplicate names and unknown names with typed errors", async () => {
    const scope = await app.gql(
      `mutation { createToken(name: "x", scopes: ["write"]) { __typename ... on InvalidArgumentError { argument message } } }`,
    );
    expect(scope.data!.createToken).toEqual({
      __typename: "InvalidArgumentError",
      argument: "scopes",
      message: expect.stringMatching(/"write" is not a scope/),
    });
    const dup = await app.gql(`mutation { createToken(name: "to-revoke", scopes: ["read"]) { __typename ... on Error { message } } }`);
    expect(dup.data!.createToken).toMatchObject({ __typename: "InvalidArgumentError", message: expect.stringMatching(/already exists/) });
    const unknown = await app.gql(`mutation { revokeToken(name: "ghost") { __typename } }`);
    expect(unknown.data!.revokeToken.__typename).toBe("NotFoundError");
  });

  it("answers an unknown, malformed or expired token with 401 and a reason", async () => {
    const unknown = await app.gql(`{ codeLocations { name } }`, {}, "strata_not-a-real-token");
    expect(unknown.status).toBe(401);
    expect(unknown.errors![0]!.message).toBe("Invalid API token");
    const malformed = await app.yoga.fetch("http://strata.test/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Token abc" },
      body: JSON.stringify({ query: "{ health { version } }" }),
    });
    expect(malformed.status).toBe(401);
    expect(JSON.stringify(await malformed.json())).toMatch(/must read \\"Bearer <token>\\"/);
    const created = await app.gql(
      `mutation { createToken(name: "short-lived", scopes: ["read"], expiresAt: "2020-01-01T00:00:00Z") { ... on CreateTokenSuccess { secret } } }`,
    );
    const expired = await app.gql(`{ codeLocations { name } }`, {}, created.data!.createToken.secret);
    expect(expired.status).toBe(401);
    expect(expired.errors![0]!.message).toMatch(/"short-lived" has expired/);
  });
});

describe("running without auth", () => {
  it("is refused on any address but loopback", async () => {
    await expect(startServer({ env: parseEnv({}), db: app.db, host: "0.0.0.0", port: 0, auth: "disabled" })).rejects.toThrow(
      /Refusing to run without authentication on 0\.0\.0\.0/,
    );
  });

  it("allows everything on localhost (strata dev)", async () => {
    const dev = await createTestApp({ auth: "disabled" });
    try {
      const result = await dev.gql(`{ tokens { name } }`, {}, null);
      expect(result.errors).toBeUndefined();
    } finally {
      await dev.close();
    }
  });
});

describe("query limits", () => {
  it("refuse an operation nested deeper than the limit", async () => {
    let selection = "key";
    for (let i = 0; i < 20; i++) selection = `upstream { ${selection} }`;
    const result = await app.gql(`{ asset(key: "sales/orders") { ... on Asset { ${selection} } } }`);
    expect(result.errors![0]!.message).toMatch(/depth limit/i);
  });

  it("allow a full page with a typical selection, and refuse nested pages that multiply", async () => {
    const page = await app.gql(
      `{ assets(first: 500) { edges { node { key definition { group owners kinds location { name } } latestMaterialization { metadata { label value } } } } } }`,
    );
    expect(page.errors).toBeUndefined();
    const nested = await app.gql(
      `{ runs(first: 500) { edges { node { id location { assets { key materializations(first: 500) { edges { node { id } } } } } } } } }`,
    );
    expect(nested.errors![0]!.message).toMatch(/cost limit of 200000 exceeded/i);
    expect(nested.errors![0]!.extensions).toMatchObject({ code: "QUERY_LIMIT_EXCEEDED", limit: "cost" });
  });

  it("refuse too many aliases", async () => {
    const aliases = Array.from({ length: 40 }, (_, i) => `a${i}: health { version }`).join(" ");
    const result = await app.gql(`{ ${aliases} }`);
    expect(result.errors![0]!.message).toMatch(/aliases/i);
  });
});
