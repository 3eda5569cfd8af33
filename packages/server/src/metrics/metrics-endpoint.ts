import { createHash, timingSafeEqual } from "node:crypto";
import { GraphQLError } from "graphql";
import type { FetchAPI, Plugin } from "graphql-yoga";
import { authenticate, type AuthMode } from "../auth/authenticate.js";
import { can } from "../auth/principal.js";
import type { Sql } from "../db/sql.js";
import type { Logger } from "../logger.js";
import { refreshDatabaseGauges } from "./database-gauges.js";
import type { ServerMetrics } from "./server-metrics.js";

export const METRICS_PATH = "/metrics";

export interface MetricsEndpointOptions {
  metrics: ServerMetrics;
  sql: Sql;
  auth: AuthMode;
  /** STRATA_METRICS_TOKEN: a secret for scrapers, so they need no API token. */
  metricsToken?: string;
  logger: Logger;
}

const digest = (value: string) => createHash("sha256").update(value).digest();

/**
 * `GET /metrics` in Prometheus' text format, beside the GraphQL endpoint. Readable with an API
 * token of scope `read` (or one implying it: `launch`, `admin`), or with the dedicated metrics
 * token; open when auth is disabled (strata dev). Anything else: 401 (no or an invalid token)
 * or 403 (a valid token without `read`), with a sentence saying what to send.
 */
export function useMetricsEndpoint(options: MetricsEndpointOptions): Plugin {
  const { metrics, sql, logger } = options;
  const metricsToken = options.metricsToken ? digest(options.metricsToken) : null;
  const text = (api: FetchAPI, status: number, body: string, headers: Record<string, string> = {}) =>
    new api.Response(`${body}\n`, { status, headers: { "content-type": "text/plain; charset=utf-8", ...headers } });

  async function refusal(api: FetchAPI, header: string | null): Promise<Response | null> {
    if (options.auth === "disabled") return null;
    const bearer = header ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined;
    // Compared as digests, in constant time: the length of the secret does not leak either.
    if (metricsToken && bearer && timingSafeEqual(digest(bearer), metricsToken)) return null;
    let principal: Awaited<ReturnType<typeof authenticate>>;
    try {
      principal = await authenticate(sql, options.auth, header);
    } catch (error) {
      if (!(error instanceof GraphQLError)) throw error;
      const http = error.extensions.http as { status?: number; headers?: Record<string, string> } | undefined;
      return text(api, http?.status ?? 401, error.message, http?.headers);
    }
    if (can(principal, "read")) return null;
    if (principal.kind === "token") {
      return text(
        api,
        403,
        `Token "${principal.name}" lacks the "read" scope that ${METRICS_PATH} requires (or scrape with STRATA_METRICS_TOKEN)`,
      );
    }
    return text(
      api,
      401,
      `${METRICS_PATH} requires "Authorization: Bearer <token>": an API token with the "read" scope, or the server's STRATA_METRICS_TOKEN`,
      { "www-authenticate": "Bearer" },
    );
  }

  async function serve({ request, endResponse, fetchAPI }: Parameters<NonNullable<Plugin["onRequest"]>>[0]): Promise<void> {
    if (request.method !== "GET" && request.method !== "HEAD") {
      endResponse(text(fetchAPI, 405, `${METRICS_PATH} answers GET`, { allow: "GET, HEAD" }));
      return;
    }
    const refused = await refusal(fetchAPI, request.headers.get("authorization"));
    if (refused) {
      endResponse(refused);
      return;
    }
    try {
      await refreshDatabaseGauges(sql, metrics);
    } catch (error) {
      // The counters are still worth scraping while the database is away; the gauges keep
      // their last values and the log says why they are stale.
      logger.warn("metrics: could not read the queue depth and heartbeats", { error });
    }
    endResponse(new fetchAPI.Response(await metrics.registry.metrics(), { headers: { "content-type": metrics.registry.contentType } }));
  }

  return {
    // Synchronous for every other request: an async hook would put each GraphQL request on
    // yoga's promise path for nothing.
    onRequest: (payload) => (payload.url.pathname === METRICS_PATH ? serve(payload) : undefined),
  };
}
