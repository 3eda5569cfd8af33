import { takeSseData } from "./sse-frames.js";
import type { ExecutionResult } from "graphql";
import type { AuthMode } from "../auth/authenticate.js";
import { createToken } from "../auth/tokens.js";
import type { Database } from "../db/database.js";
import { createMemoryLogger } from "../logger.js";
import { createStrataPubSub, type StrataPubSub } from "../pubsub/pubsub.js";
import { createStrataYoga, type StrataYoga } from "../yoga.js";
import { defaultRunConfig, type RunConfig } from "../runs/run-config.js";
import { RunService } from "../runs/run-service.js";
import { openTestDatabase } from "./test-database.js";
import { type SqlTap, tapSql } from "./tap-sql.js";

export interface TestApp {
  db: Database;
  yoga: StrataYoga;
  pubsub: StrataPubSub;
  /** Not started: tests call `runs.tick()` to run the monitor; launches still kick the coordinator. */
  runs: RunService;
  logger: ReturnType<typeof createMemoryLogger>;
  /** A token with the `admin` scope. */
  admin: string;
  /** Creates a token with these scopes and returns its secret. */
  token(...scopes: string[]): Promise<string>;
  /** Runs one operation through `yoga.fetch`, as `token` (default: admin; null: no token). */
  gql<Data = any>(
    query: string,
    variables?: Record<string, unknown>,
    token?: string | null,
  ): Promise<ExecutionResult<Data> & { status: number }>;
  /** Opens a subscription over SSE; `next()` yields each result, `close()` ends it. */
  subscribe<Data = any>(query: string, variables?: Record<string, unknown>, token?: string | null): Promise<TestSubscription<Data>>;
  close(): Promise<void>;
}

/** A Prisma call seen by createTestApp's `onPrisma`. */
export interface PrismaCall {
  model: string;
  operation: string;
  args: unknown;
}

export interface TestSubscription<Data> {
  status: number;
  next(timeoutMs?: number): Promise<ExecutionResult<Data>>;
  close(): void;
}

let tokenCount = 0;

/**
 * `db` as the GraphQL app sees it: its statements through `tap` and its Prisma calls through
 * `onPrisma`, when given; `db` itself otherwise.
 */
function observed(db: Database, { tap, onPrisma }: { tap?: SqlTap; onPrisma?: (call: PrismaCall) => void }): Database {
  if (!tap && !onPrisma) return db;
  const prisma = onPrisma
    ? (db.prisma.$extends({
        query: {
          $allModels: {
            $allOperations({ model, operation, args, query }) {
              onPrisma({ model, operation, args });
              return query(args);
            },
          },
        },
      }) as unknown as Database["prisma"])
    : db.prisma;
  return { ...db, prisma, sql: tap ? tapSql(db.sql, tap) : db.sql };
}

/** The GraphQL app on a fresh test database (PGlite, or PostgreSQL with TEST_DATABASE_URL). */
export async function createTestApp(
  options: {
    auth?: AuthMode;
    runs?: Partial<RunConfig>;
    /** Called around each statement the GraphQL app runs (not the run service's own): see tapSql. */
    tap?: SqlTap;
    /** Called with each Prisma read or write the GraphQL app makes: its model, operation and arguments. */
    onPrisma?: (call: PrismaCall) => void;
  } = {},
): Promise<TestApp> {
  const db = await openTestDatabase();
  const pubsub = await createStrataPubSub();
  const logger = createMemoryLogger();
  const runs = new RunService(db, pubsub.pubsub, { ...defaultRunConfig, ...options.runs }, logger);
  const yoga = createStrataYoga({
    db: observed(db, options),
    logger,
    pubsub,
    auth: options.auth ?? "required",
    runs,
  });
  const token = async (...scopes: string[]) => (await createToken(db.prisma, { name: `t${++tokenCount}`, scopes })).token;
  const admin = await token("admin");
  const headers = (t: string | null | undefined) => ({
    "content-type": "application/json",
    ...(t === null ? {} : { authorization: `Bearer ${t ?? admin}` }),
  });
  return {
    db,
    yoga,
    pubsub,
    runs,
    logger,
    admin,
    token,
    async gql(query, variables = {}, t) {
      const response = await yoga.fetch("http://strata.test/graphql", {
        method: "POST",
        headers: { ...headers(t), accept: "application/graphql-response+json" },
        body: JSON.stringify({ query, variables }),
      });
      return { ...((await response.json()) as ExecutionResult), status: response.status } as never;
    },
    async subscribe(query, variables = {}, t) {
      const abort = new AbortController();
      const response = await yoga.fetch("http://strata.test/graphql", {
        method: "POST",
        headers: { ...headers(t), accept: "text/event-stream" },
        body: JSON.stringify({ query, variables }),
        signal: abort.signal,
      });
      const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      const pending: ExecutionResult[] = [];
      const read = async (): Promise<ExecutionResult> => {
        while (pending.length === 0) {
          const { value, done } = await reader.read();
          if (done) throw new Error("subscription ended");
          const { data, rest } = takeSseData(buffer + value);
          buffer = rest;
          for (const frame of data) pending.push(JSON.parse(frame));
        }
        return pending.shift()!;
      };
      return {
        status: response.status,
        next: (timeoutMs = 5_000) =>
          Promise.race([
            read(),
            new Promise<never>((_, reject) =>
              setTimeout(() => reject(new Error(`no subscription event within ${timeoutMs} ms`)), timeoutMs),
            ),
          ]) as never,
        close: () => abort.abort(),
      };
    },
    async close() {
      await runs.stop();
      await pubsub.close();
      await db.close();
    },
  };
}
