import type { ClientConnection } from "./client-connection.js";
import type { ApiTokenFieldsFragment } from "./generated/graphql.js";
import { unwrapResult } from "./result-union.js";

/**
 * An API token's record; its secret is never shown again after creation.
 *
 * @example
 * ```ts
 * const revoked = (await client.tokens()).filter((t: ApiToken) => t.revokedAt !== null);
 * ```
 */
export type ApiToken = ApiTokenFieldsFragment;

/**
 * A new token: the record and the secret, shown this once.
 *
 * @example
 * ```ts
 * const { secret, token }: CreatedToken = await client.createToken({ name: "ci", scopes: ["read"] });
 * ```
 */
export interface CreatedToken {
  /** Send it as `Authorization: Bearer <secret>` (or pass it as `token` to `createClient`). */
  secret: string;
  token: ApiToken;
}

/**
 * A token to create.
 *
 * @example
 * ```ts
 * const input: CreateTokenInput = { name: "ci", scopes: ["read", "launch"], expiresAt: new Date("2030-01-01") };
 * ```
 */
export interface CreateTokenInput {
  /** 1-100 of `[A-Za-z0-9_.:-]`, unique. */
  name: string;
  /** `read`, `launch`, `admin`, or `location:<name>`. */
  scopes: string[];
  /** When it stops working (default: never). */
  expiresAt?: Date | string | null | undefined;
}

/**
 * The token methods of {@link StrataClient}.
 *
 * @example
 * ```ts
 * const admin: TokenMethods = createClient({ url, token: adminToken });
 * await admin.revokeToken("ci");
 * ```
 */
export interface TokenMethods {
  /**
   * Every API token, oldest first, revoked ones included. Requires `admin`.
   *
   * @example
   * ```ts
   * const active = (await client.tokens()).filter((t) => !t.revokedAt);
   * ```
   */
  tokens(): Promise<ApiToken[]>;

  /**
   * Creates a token and returns its secret, which cannot be shown again. Throws
   * `InvalidArgumentError` for a taken name or an unknown scope. Requires `admin`.
   *
   * @example
   * ```ts
   * const { secret } = await client.createToken({ name: "sales-location", scopes: ["location:sales"] });
   * ```
   */
  createToken(input: CreateTokenInput): Promise<CreatedToken>;

  /**
   * Revokes a token at once; revoking it again is a no-op. Throws `NotFoundError` for an
   * unknown name. Requires `admin`.
   *
   * @example
   * ```ts
   * const revoked = await client.revokeToken("ci");
   * console.log(revoked.revokedAt);
   * ```
   */
  revokeToken(name: string): Promise<ApiToken>;
}

export function tokenMethods({ sdk }: ClientConnection): TokenMethods {
  return {
    async tokens() {
      return (await sdk.Tokens()).tokens;
    },
    async createToken(input) {
      const expiresAt = input.expiresAt instanceof Date ? input.expiresAt.toISOString() : input.expiresAt;
      const { createToken } = await sdk.CreateToken({ name: input.name, scopes: input.scopes, expiresAt });
      const created = unwrapResult(createToken, "CreateTokenSuccess");
      return { secret: created.secret, token: created.token };
    },
    async revokeToken(name) {
      const { revokeToken } = await sdk.RevokeToken({ name });
      return unwrapResult(revokeToken, "ApiToken");
    },
  };
}
