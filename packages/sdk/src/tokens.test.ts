import { describe, expect, it } from "vitest";
import { InvalidArgumentError, NotFoundError, UnauthenticatedError, UnauthorizedError } from "./errors.js";
import { useTestServer } from "./testing/test-server.js";

const t = useTestServer();

describe("tokens", () => {
  it("creates a token whose secret works at once, lists it, and revokes it so it stops working", async () => {
    const admin = t().client();
    const { secret, token } = await admin.createToken({ name: "ci-reader", scopes: ["read"], expiresAt: new Date("2099-01-01T00:00:00Z") });
    expect(secret).toMatch(/^strata_/);
    expect(token).toMatchObject({
      name: "ci-reader",
      scopes: ["read"],
      prefix: secret.slice(0, 13),
      expiresAt: "2099-01-01T00:00:00.000Z",
      revokedAt: null,
    });
    const reader = t().client({ token: secret });
    await expect(reader.codeLocations()).resolves.toEqual([]);
    expect((await admin.tokens()).map((x) => x.name)).toContain("ci-reader");

    const revoked = await admin.revokeToken("ci-reader");
    expect(revoked.revokedAt).not.toBeNull();
    const error = await reader.codeLocations().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnauthenticatedError);
    expect((error as Error).message).toContain('"ci-reader" was revoked');
  });

  it("refuses a second token with the same name and an unknown scope with InvalidArgumentError", async () => {
    const admin = t().client();
    await admin.createToken({ name: "once", scopes: ["read"] });
    await expect(admin.createToken({ name: "once", scopes: ["read"] })).rejects.toMatchObject({ argument: "name" });
    const error = await admin.createToken({ name: "weird", scopes: ["superuser"] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error).toMatchObject({ argument: "scopes" });
  });

  it("throws NotFoundError revoking a token that does not exist", async () => {
    await expect(t().client().revokeToken("never-made")).rejects.toBeInstanceOf(NotFoundError);
  });

  it("refuses token management without admin: with the scope from a result union, without it from a plain field", async () => {
    const reader = t().client({ token: await t().token("read") });
    const fromUnion = await reader.createToken({ name: "sneaky", scopes: ["admin"] }).catch((e: unknown) => e);
    expect(fromUnion).toBeInstanceOf(UnauthorizedError);
    expect(fromUnion).toMatchObject({ code: "FORBIDDEN", requiredScope: "admin" });
    const fromField = await reader.tokens().catch((e: unknown) => e);
    expect(fromField).toBeInstanceOf(UnauthorizedError);
    expect(fromField).toMatchObject({ code: "FORBIDDEN", requiredScope: null });
  });
});
