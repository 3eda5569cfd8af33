import { createServer as createHttpServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { authenticate, isLoopback, type AuthMode } from "./auth/authenticate.js";
import { AutomationService } from "./automation/automation-service.js";
import { openDatabase, type Database } from "./db/database.js";
import type { Env } from "./env.js";
import { createLogger, type Logger } from "./logger.js";
import { ServerMetrics } from "./metrics/server-metrics.js";
import { createStrataPubSub, type StrataPubSub } from "./pubsub/pubsub.js";
import { RunService } from "./runs/run-service.js";
import { RetentionJob } from "./retention/retention-job.js";
import { startTracing } from "./tracing/tracing.js";
import { serveWebSocket } from "./websocket.js";
import { createStrataYoga, type StrataYoga } from "./yoga.js";
import { coalesceWrites, wantsEventStream } from "./event-stream-writes.js";

export interface StrataServerOptions {
  env: Env;
  /** Overrides `env.PORT`; 0 picks a free port. */
  port?: number;
  /** Overrides `env.HOST`. */
  host?: string;
  logger?: Logger;
  /** An already open database (tests); otherwise one is opened from `env`. */
  db?: Database;
  /**
   * "required" (the default) judges every request by its API token. "disabled" is for local
   * development and is refused unless the server binds a loopback address.
   */
  auth?: AuthMode;
  /**
   * The web UI's built bundle (`@strata/ui`'s dist/), served at `/`. The CLI passes it; the
   * server does not depend on the UI package (the UI depends on the SDK, which tests against
   * the server), so without it `/` stays a 404.
   */
  uiDir?: string | undefined;
}

export interface StrataServer {
  readonly url: string;
  readonly graphqlUrl: string;
  readonly db: Database;
  readonly yoga: StrataYoga;
  readonly http: Server;
  readonly pubsub: StrataPubSub;
  readonly runs: RunService;
  readonly automation: AutomationService;
  readonly auth: AuthMode;
  close(): Promise<void>;
}

/**
 * Opens the database (applying pending migrations), builds the GraphQL app and listens.
 *
 * @example
 * const server = await startServer({ env: parseEnv(), port: 0 });
 * console.log(server.graphqlUrl);
 * await server.close();
 */
export async function startServer(options: StrataServerOptions): Promise<StrataServer> {
  const { env } = options;
  const logger = options.logger ?? createLogger(env.STRATA_LOG_LEVEL);
  const host = options.host ?? env.HOST;
  const auth = options.auth ?? "required";
  if (auth === "disabled" && !isLoopback(host)) {
    throw new Error(`Refusing to run without authentication on ${host}: only a loopback address (localhost) may disable auth`);
  }
  const ownsDb = !options.db;
  const db =
    options.db ??
    (await openDatabase({
      url: env.DATABASE_URL,
      dataDir: env.pgliteDir,
      migrate: { log: (message) => logger.info(message) },
    }));
  let pubsub: StrataPubSub;
  try {
    pubsub = await createStrataPubSub({ redisUrl: env.REDIS_URL, maxSubscriptionsPerToken: env.STRATA_MAX_SUBSCRIPTIONS_PER_TOKEN });
  } catch (error) {
    if (ownsDb) await db.close();
    throw error;
  }
  const tracing = await startTracing(env);
  const runs = new RunService(db, pubsub.pubsub, env.runs, logger, new ServerMetrics({ processMetrics: true }));
  const yoga = createStrataYoga({ db, logger, pubsub, auth, runs, metricsToken: env.STRATA_METRICS_TOKEN, uiDir: options.uiDir });
  const http = createHttpServer((req, res) => {
    if (wantsEventStream(req)) coalesceWrites(res);
    return yoga(req, res);
  });
  // Idle keep-alive connections outlive clients' own idle timeouts (undici: 4 s, most load
  // balancers: 60 s), so a client never sends a request on a socket the server is closing.
  http.keepAliveTimeout = 65_000;
  http.headersTimeout = 66_000;
  try {
    await new Promise<void>((resolve, reject) => {
      http.once("error", reject);
      http.listen(options.port ?? env.PORT, host, () => {
        http.off("error", reject);
        resolve();
      });
    });
  } catch (error) {
    await pubsub.close();
    if (ownsDb) await db.close();
    throw error;
  }
  // Subscriptions over WebSocket (graphql-transport-ws) on the same path as HTTP and SSE,
  // attached once listening: attached before, a failed listen (port taken) is also reported
  // as an internal error of the WebSocket server.
  const webSocket = serveWebSocket({
    http,
    yoga,
    path: yoga.graphqlEndpoint,
    logger,
    checkAuthorization: (header) => authenticate(db.sql, auth, header),
  });
  runs.start();
  const automation = new AutomationService(
    db,
    runs,
    { intervalMs: env.STRATA_AUTOMATION_INTERVAL_MS, scheduleMaxCatchup: env.STRATA_SCHEDULE_MAX_CATCHUP },
    logger,
  );
  automation.start();
  const retention = new RetentionJob(db.sql, env.retention, logger);
  retention.start();
  // Prisma loads its query compiler (WebAssembly) at the first query it plans: ~200 ms that the
  // first request needing it would wait (measured: a location's first registration answer).
  void db.prisma.codeLocation.findFirst({ select: { name: true } }).catch(() => {});
  const { port } = http.address() as AddressInfo;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  let closing: Promise<void> | undefined;
  return {
    url,
    graphqlUrl: `${url}/graphql`,
    db,
    yoga,
    http,
    pubsub,
    runs,
    automation,
    auth,
    close() {
      closing ??= (async () => {
        // Stop taking requests first, then drop open connections (WebSockets first: the HTTP
        // server waits for upgraded sockets too), then the database.
        await webSocket.close();
        await new Promise<void>((resolve) => {
          http.close(() => resolve());
          http.closeAllConnections();
        });
        await automation.stop();
        await runs.stop();
        await retention.stop();
        await tracing.flush().catch((error: unknown) => logger.warn("exporting the last spans failed", { error }));
        await pubsub.close();
        if (ownsDb) await db.close();
      })();
      return closing;
    },
  };
}
