import type { Sql } from "../db/sql.js";
import { unauthenticated } from "./authenticate.js";
import type { Principal } from "./principal.js";

/** Checks of one token that are in flight: subscribers woken by the same event share one query. */
const inFlight = new Map<string, Promise<string | null>>();

/**
 * Throws UNAUTHENTICATED once the token a long-lived operation (a subscription, a long poll) was
 * opened with has been revoked or has expired. A request is authenticated once, when it arrives;
 * streams call this again before each event they deliver and at each wake-up, so revocation
 * ends them whatever the transport (SSE, WebSocket).
 */
export async function assertStillAuthorized(sql: Sql, principal: Principal): Promise<void> {
  if (principal.kind !== "token") return;
  let check = inFlight.get(principal.id);
  if (!check) {
    check = tokenProblem(sql, principal.id).finally(() => inFlight.delete(principal.id));
    inFlight.set(principal.id, check);
  }
  const problem = await check;
  if (problem) throw unauthenticated(`API token "${principal.name}" ${problem}`);
}

async function tokenProblem(sql: Sql, id: string): Promise<string | null> {
  const [row] = await sql.query<{ revoked: boolean; expired: boolean }>(
    `SELECT "revokedAt" IS NOT NULL AS revoked, COALESCE("expiresAt" <= now(), false) AS expired FROM "ApiToken" WHERE id = $1`,
    [id],
  );
  if (!row) return "no longer exists";
  if (row.revoked) return "was revoked";
  return row.expired ? "has expired" : null;
}
