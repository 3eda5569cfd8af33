import { GraphQLError } from "graphql";
import type { Sql } from "../db/sql.js";
import { ServiceUnavailableError } from "../errors.js";
import type { Principal } from "./principal.js";
import { confirmToken } from "./revocation.js";
import { authenticateToken, InvalidTokenError, revocationEpoch } from "./tokens.js";

/**
 * How long a server trusts a token it has checked (one indexed read per request was a fifth of a
 * trivial request's cost under load). A revocation through this server is seen at once; one made
 * through another replica, or straight in the database, within this long. An expiry is never
 * overstayed: the entry lasts until the token's own `expiresAt` at most.
 */
export const TOKEN_CACHE_MS = 5_000;
const MAX_CACHED_TOKENS = 10_000;

interface CheckedToken {
  principal: Principal;
  until: number;
  epoch: number;
}
const checkedTokens = new WeakMap<Sql, Map<string, CheckedToken>>();

async function tokenPrincipal(sql: Sql, token: string): Promise<Principal> {
  let known = checkedTokens.get(sql);
  if (!known) checkedTokens.set(sql, (known = new Map()));
  const now = Date.now();
  const hit = known.get(token);
  if (hit && hit.until > now && hit.epoch === revocationEpoch()) return hit.principal;
  const epoch = revocationEpoch();
  const principal = await authenticateToken(sql, token, new Date(now));
  confirmToken(sql, principal, now);
  const expiresAt = principal.kind === "token" ? (principal.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY) : Number.POSITIVE_INFINITY;
  if (known.size >= MAX_CACHED_TOKENS) known.clear();
  known.set(token, { principal, until: Math.min(now + TOKEN_CACHE_MS, expiresAt), epoch });
  return principal;
}

/** `required`: every request is judged by its token. `disabled`: local development only. */
export type AuthMode = "required" | "disabled";

/**
 * Turns a request's Authorization header into a principal. No header: anonymous (it may still
 * ask for `health`). A malformed, unknown, revoked or expired token: HTTP 401 for the whole
 * request, with a message that says which. A valid token is remembered for TOKEN_CACHE_MS.
 */
export async function authenticate(sql: Sql, mode: AuthMode, header: string | null): Promise<Principal> {
  if (mode === "disabled") return { kind: "dev" };
  if (!header) return { kind: "anonymous" };
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw unauthenticated('The Authorization header must read "Bearer <token>"');
  try {
    return await tokenPrincipal(sql, match[1]!);
  } catch (error) {
    if (error instanceof InvalidTokenError) throw unauthenticated(error.message);
    // Authentication runs before execution, outside the error masking: say it is an outage the
    // client may retry, not an internal error.
    if (error instanceof ServiceUnavailableError) {
      throw new GraphQLError(error.message, {
        extensions: { code: error.code, retryable: true, http: { status: 503, headers: { "retry-after": "1" } } },
      });
    }
    throw error;
  }
}

/** HTTP 401 with code UNAUTHENTICATED: the token is missing its mark, unknown, revoked or expired. */
export function unauthenticated(message: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: "UNAUTHENTICATED", http: { status: 401, headers: { "www-authenticate": "Bearer" } } },
  });
}

const LOOPBACK = new Set(["localhost", "127.0.0.1", "::1", "[::1]"]);

export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || host.startsWith("127.");
}
