import { GraphQLError } from "graphql";
import type { Sql } from "../db/sql.js";
import { ServiceUnavailableError } from "../errors.js";
import type { Principal } from "./principal.js";
import { authenticateToken, InvalidTokenError } from "./tokens.js";

/** `required`: every request is judged by its token. `disabled`: local development only. */
export type AuthMode = "required" | "disabled";

/**
 * Turns a request's Authorization header into a principal. No header: anonymous (it may still
 * ask for `health`). A malformed, unknown, revoked or expired token: HTTP 401 for the whole
 * request, with a message that says which.
 */
export async function authenticate(sql: Sql, mode: AuthMode, header: string | null): Promise<Principal> {
  if (mode === "disabled") return { kind: "dev" };
  if (!header) return { kind: "anonymous" };
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw unauthenticated('The Authorization header must read "Bearer <token>"');
  try {
    return await authenticateToken(sql, match[1]!);
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
