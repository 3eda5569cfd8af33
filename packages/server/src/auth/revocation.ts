import { prepared, type Sql } from "../db/sql.js";
import { TOKEN_CACHE_MS, unauthenticated } from "./authenticate.js";
import { revocationEpoch } from "./tokens.js";
import type { Principal } from "./principal.js";

/** Checks of one token that are in flight: subscribers woken by the same event share one query. */
const inFlight = new Map<string, Promise<string | null>>();

/** When each token was last found valid, per database: trusted as a request's check is (TOKEN_CACHE_MS). */
const confirmed = new WeakMap<Sql, Map<string, { until: number; epoch: number }>>();

/**
 * Records that `principal`'s token was just found valid, by a request's authentication or by a
 * stream's check: the next check within TOKEN_CACHE_MS (and the token's expiry) need not read it.
 */
export function confirmToken(sql: Sql, principal: Principal, now = Date.now()): void {
  if (principal.kind !== "token") return;
  let known = confirmed.get(sql);
  if (!known) confirmed.set(sql, (known = new Map()));
  if (known.size >= 10_000) known.clear();
  const expiresAt = principal.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY;
  known.set(principal.id, { until: Math.min(now + TOKEN_CACHE_MS, expiresAt), epoch: revocationEpoch() });
}

/**
 * Throws UNAUTHENTICATED once the token a long-lived operation (a subscription, a long poll) was
 * opened with has been revoked or has expired. A request is authenticated once, when it arrives;
 * streams call this again before each event they deliver and at each wake-up, so revocation
 * ends them whatever the transport (SSE, WebSocket). It trusts a token found valid within
 * TOKEN_CACHE_MS, as a request's authentication does: a revocation through this server is seen
 * at once, one made through another replica within that long, an expiry never overstayed.
 */
export async function assertStillAuthorized(sql: Sql, principal: Principal): Promise<void> {
  if (principal.kind !== "token" || knownAuthorized(sql, principal)) return;
  const now = Date.now();
  let check = inFlight.get(principal.id);
  if (!check) {
    check = tokenProblem(sql, principal.id).finally(() => inFlight.delete(principal.id));
    inFlight.set(principal.id, check);
  }
  const problem = await check;
  if (problem) throw unauthenticated(`API token "${principal.name}" ${problem}`);
  confirmToken(sql, principal, now);
}

/**
 * Whether assertStillAuthorized would pass `principal` without reading its token now: not a
 * token, or one found valid within TOKEN_CACHE_MS and not revoked here since. What a launch asks
 * before handing its run to a long-polling worker (ClaimDesk), which holds no event loop turn
 * for a read.
 */
export function knownAuthorized(sql: Sql, principal: Principal): boolean {
  if (principal.kind !== "token") return true;
  const fresh = confirmed.get(sql)?.get(principal.id);
  return fresh !== undefined && fresh.until > Date.now() && fresh.epoch === revocationEpoch();
}

const TOKEN_STATE = prepared(
  `SELECT "revokedAt" IS NOT NULL AS revoked, COALESCE("expiresAt" <= now(), false) AS expired FROM "ApiToken" WHERE id = $1`,
);

async function tokenProblem(sql: Sql, id: string): Promise<string | null> {
  const [row] = await sql.query<{ revoked: boolean; expired: boolean }>(TOKEN_STATE, [id]);
  if (!row) return "no longer exists";
  if (row.revoked) return "was revoked";
  return row.expired ? "has expired" : null;
}
